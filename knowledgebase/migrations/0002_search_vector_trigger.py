"""PostgreSQL only: keep Article.search_vector up to date with a trigger, and index it (GIN).

The vector weighs the title A, the summary B and the body C, each parsed with the text-search
configuration of the article's language (the same mapping as models.SEARCH_CONFIGS). A
trigger rather than a generated column: the configuration depends on a column, and the
model field must exist on SQLite too, where this migration does nothing.
"""

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
    NEW.search_vector :=
        setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector(cfg, coalesce(NEW.summary, '')), 'B')
        || setweight(to_tsvector(cfg, coalesce(NEW.body, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS knowledgebase_article_search_vector_trg ON knowledgebase_article;
CREATE TRIGGER knowledgebase_article_search_vector_trg
    BEFORE INSERT OR UPDATE OF title, summary, body, language ON knowledgebase_article
    FOR EACH ROW EXECUTE FUNCTION knowledgebase_article_search_vector_update();

-- article_search: search_vector @@ websearch_to_tsquery(...)
CREATE INDEX IF NOT EXISTS kb_article_search_vector_gin
    ON knowledgebase_article USING gin (search_vector);

UPDATE knowledgebase_article SET title = title;
"""

BACKWARD = """
DROP INDEX IF EXISTS kb_article_search_vector_gin;
DROP TRIGGER IF EXISTS knowledgebase_article_search_vector_trg ON knowledgebase_article;
DROP FUNCTION IF EXISTS knowledgebase_article_search_vector_update();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("knowledgebase", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
