"""A second, small vector (title A, summary B) for the incident-form suggestions.

Suggestions OR together every word a customer typed, which matches a large share of the
articles; matching and ranking the full-body vectors of all of them is slow (they are
TOASTed), while this one stays inline. PostgreSQL only: the trigger fills both vectors.
"""

import django.contrib.postgres.search
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION knowledgebase_article_search_vector_update() RETURNS trigger AS $$
DECLARE
    cfg regconfig;
BEGIN
    cfg := CASE NEW.language
        WHEN 'en' THEN 'english'::regconfig
        WHEN 'de' THEN 'german'::regconfig
        WHEN 'da' THEN 'danish'::regconfig
        ELSE 'simple'::regconfig
    END;
    NEW.suggest_vector :=
        setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector(cfg, coalesce(NEW.summary, '')), 'B');
    NEW.search_vector :=
        NEW.suggest_vector || setweight(to_tsvector(cfg, coalesce(NEW.body, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- article_suggestions: suggest_vector @@ websearch_to_tsquery(...)
CREATE INDEX IF NOT EXISTS kb_article_suggest_vector_gin
    ON knowledgebase_article USING gin (suggest_vector);

UPDATE knowledgebase_article SET title = title;
"""

BACKWARD = """
DROP INDEX IF EXISTS kb_article_suggest_vector_gin;
CREATE OR REPLACE FUNCTION knowledgebase_article_search_vector_update() RETURNS trigger AS $$
DECLARE
    cfg regconfig;
BEGIN
    cfg := CASE NEW.language
        WHEN 'en' THEN 'english'::regconfig
        WHEN 'de' THEN 'german'::regconfig
        WHEN 'da' THEN 'danish'::regconfig
        ELSE 'simple'::regconfig
    END;
    NEW.search_vector :=
        setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector(cfg, coalesce(NEW.summary, '')), 'B')
        || setweight(to_tsvector(cfg, coalesce(NEW.body, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0002_search_vector_trigger")]

    operations = [
        migrations.RunPython(forward, backward),
    ]
