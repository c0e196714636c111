"""Demo knowledge base: categories and 25 articles about Contoso Advanced Warehousing.

Deterministic and safe to run twice: rows are found by slug first and never duplicated.
Articles are linked to the add-on's product and the versions for their Dynamics platform
(from the lifecycle demo, which runs first) when those exist.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model

from knowledgebase.models import (
    Article,
    ArticleKind,
    ArticleStatus,
    ArticleVisibility,
    ArticleVote,
    Category,
    DeflectionEvent,
)
from lifecycle.models import Product, ProductVersion

K = ArticleKind
V = ArticleVisibility

CATEGORIES = [
    ("getting-started", "Getting started", "Installing the add-on, first set-up and permissions.", 10),
    ("installation", "Installation and upgrades", "Installing, updating and upgrading on every Dynamics product.", 20),
    ("warehouse-operations", "Warehouse operations", "Receiving, put-away, picking, shipping and counting.", 30),
    ("scanners", "Scanners, labels and integrations", "Handheld scanners, label printers, carriers and EDI.", 40),
    ("troubleshooting", "Troubleshooting", "Error messages and what to do about them.", 50),
    ("licensing", "Licensing and accounts", "Licences, subscriptions, data and privacy.", 60),
    ("release-notes", "Release notes", "What changed in each release of the add-on.", 70),
]

# slug, title, category, kind, products (BC/NAV/GP), visibility, days ago, summary, body
ARTICLES: list[tuple[str, str, str, str, tuple[str, ...], str, int, str, str]] = [
    (
        "install-from-appsource",
        "Install Contoso Advanced Warehousing from AppSource",
        "getting-started",
        K.HOW_TO,
        ("BC",),
        V.PUBLIC,
        210,
        "Install the add-on in a Business Central online environment from AppSource and run the assisted set-up.",
        """You need the **SUPER** permission set or the *Extension Management* permissions in the environment.

1. In Business Central, search for **Extension Marketplace** and search AppSource for *Contoso Advanced Warehousing*.
2. Choose **Get it now**, accept the terms and pick the environment (start with a sandbox).
3. Wait for the installation status to show **Completed** on the *Extension Installation Status* page.
4. Open **Assisted Setup** and run *Set up Contoso Advanced Warehousing*.

The assisted set-up creates the number series `CAW-WAVE`, `CAW-COUNT` and `CAW-LABEL`, a default wave template and the
job queue entries for replenishment.

> Install in a sandbox first and test your warehouse processes before you install in production.

See also [Assign the permission sets](/help/articles/assign-permission-sets/).""",
    ),
    (
        "assign-permission-sets",
        "Assign the add-on's permission sets to warehouse users",
        "getting-started",
        K.HOW_TO,
        ("BC",),
        V.PUBLIC,
        200,
        "Which permission sets warehouse workers, supervisors and administrators need, and how to assign them.",
        """The add-on ships three permission sets:

| Permission set | For |
| --- | --- |
| `CAW-WORKER` | Pickers and receivers using the mobile app |
| `CAW-SUPERVISOR` | Release waves, approve counts, reprint labels |
| `CAW-ADMIN` | Set-up pages and job queue entries |

Open **Users**, choose the user, and add the permission set on the *User Permission Sets* part. For many users, use
**Permission Set by User Group** (or security groups in newer versions).

If a worker sees *"You do not have the following permissions on TableData CAW Wave Line"*, they are missing
`CAW-WORKER`.""",
    ),
    (
        "upgrade-bc-major-version",
        "Upgrade Business Central to a new major version with the add-on installed",
        "installation",
        K.HOW_TO,
        ("BC",),
        V.PUBLIC,
        120,
        "What to check before Microsoft updates your environment to a new major version, and how to test in a sandbox.",
        """Microsoft updates Business Central online twice a year (release waves). Each version of the add-on lists the
Business Central versions it supports on the [lifecycle page](/support/lifecycle/).

**Before the update window**

- Copy production to a sandbox and schedule the update of the sandbox first.
- Check in the Admin Center that the add-on shows *Compatible* for the target version.
- Run a wave pick, a receipt and a count in the sandbox after the update.

**If the update is blocked** because the add-on is not compatible yet, the Admin Center reschedules it. Contact
support if your update window is less than two weeks away.""",
    ),
    (
        "pick-list-blank-bin-codes",
        "Pick list prints blank bin codes after upgrade to 24.3",
        "troubleshooting",
        K.KNOWN_ISSUE,
        ("BC",),
        V.PUBLIC,
        30,
        "After updating Business Central to 24.3, the CAW pick list report prints empty bin code columns. "
        "Fixed in add-on version 24.3.2.",
        """**Symptoms**

After the update to Business Central 24.3, the *CAW Pick List* report (ID 50120) prints the pick lines but the
**Bin Code** and **Zone Code** columns are empty. On screen the warehouse pick shows the bin codes correctly.

**Cause**

Version 24.3 changed the report dataset of the base pick list that our report layout extends.

**Solution**

Update the add-on to version **24.3.2** or later from the *Extension Management* page (choose *Update*), or wait
for the automatic update. As a workaround, print the base report *Picking List* (5752).""",
    ),
    (
        "warehouse-shipment-posting-error",
        "Warehouse shipments cannot be posted: “Qty. to Ship (Base) must not be greater than…”",
        "troubleshooting",
        K.TROUBLESHOOTING,
        ("BC", "NAV"),
        V.PUBLIC,
        45,
        "Posting a warehouse shipment fails because a wave pick was registered with a different unit of measure.",
        """**Error message**

`Qty. to Ship (Base) must not be greater than 12 units in Warehouse Shipment Line No.=10000.`

**Cause**

The wave pick was registered in a unit of measure (for example *BOX*) whose quantity per unit changed after the
wave was released, so the base quantity on the shipment no longer matches.

**Solution**

1. Open the warehouse shipment and choose **Actions › CAW › Recalculate Wave Quantities**.
2. Post the shipment again.
3. Keep units of measure fixed while waves are open: the add-on warns on the *Item Units of Measure* page.

If the error stays, send us the output of **CAW › Export Diagnostic Bundle** with an incident.""",
    ),
    (
        "wave-picking-setup",
        "Set up wave picking for outbound orders",
        "warehouse-operations",
        K.HOW_TO,
        ("BC", "NAV"),
        V.PUBLIC,
        150,
        "Group sales orders and transfer orders into waves by route, carrier or cut-off time.",
        """Wave picking groups outbound documents so that one picker collects the items for many orders in one walk.

1. Open **CAW Wave Templates** and create a template, for example `MORNING-UPS`.
2. Set the *Group By* fields: **Shipping Agent**, **Route** or **Shipment Date**.
3. Set a *Cut-off Time* (in the location's time zone).
4. On the location card, turn on **Use Wave Picking**.

Release waves from **CAW Wave Worksheet**; the add-on creates warehouse picks sorted by bin ranking.""",
    ),
    (
        "handheld-scanner-setup",
        "Connect Zebra handheld scanners to the mobile warehouse app",
        "scanners",
        K.HOW_TO,
        ("BC", "NAV", "GP"),
        V.PUBLIC,
        100,
        "Configure DataWedge on Zebra TC-series devices so that scans go straight into the CAW mobile app.",
        """The CAW mobile app works on Android 10 or later. On Zebra TC21, TC26, TC52 and TC57 devices:

1. Install the **CAW Mobile** app from the managed Google Play store.
2. In **DataWedge**, create a profile `CAW`, associate it with the app and turn on *Keystroke output*.
3. Set the suffix to **Enter** (`\\n`) so that each scan confirms the field.
4. Sign in with the Business Central, NAV or GP user and choose the location.

Scanning a GS1-128 label fills the item, lot number and expiry date in one step.""",
    ),
    (
        "label-printing-zpl",
        "Shipping labels print at the wrong size on Zebra printers",
        "scanners",
        K.TROUBLESHOOTING,
        ("BC", "NAV", "GP"),
        V.PUBLIC,
        80,
        "Labels print shrunk or cut off because the printer's resolution does not match the label layout.",
        """**Symptoms**: the 4×6 inch carrier label prints at half size, or the barcode is cut off at the right edge.

**Cause**: the ZPL layout is designed for 203 dpi; the printer is a 300 dpi model.

**Solution**: open **CAW Label Printers**, choose the printer and set **Resolution (dpi)** to `300`. The add-on
scales the ZPL. Print a test label with **Print Test Label**.""",
    ),
    (
        "cycle-count-variance-lot-tracking",
        "Cycle count posts an unexpected variance for lot-tracked items",
        "warehouse-operations",
        K.TROUBLESHOOTING,
        ("BC",),
        V.CUSTOMERS,
        60,
        "A count of lot-tracked items shows a variance although the physical quantity is right.",
        """This happens when the counter scans the item barcode but not the lot number, so the add-on counts the quantity
against a blank lot.

1. On **CAW Count Worksheet**, filter *Lot No.* on `''` (blank) to find the lines.
2. Delete them and recount with **Scan Lot** turned on for the location.
3. Turn on **Require Lot Scan** on the item tracking code to prevent it.

Variances of lots that expired during the count are expected: they are moved to the quarantine bin.""",
    ),
    (
        "replenishment-job-queue-stuck",
        "The replenishment job queue entry stays “In Process”",
        "troubleshooting",
        K.TROUBLESHOOTING,
        ("BC", "NAV"),
        V.PUBLIC,
        20,
        "Bin replenishment stops because the job queue entry for codeunit 50140 never finishes.",
        """**Check**

Open **Job Queue Entries** and find *CAW Bin Replenishment* (codeunit 50140). If its status is **In Process** for
more than an hour, the session running it has stopped.

**Solution**

1. Set the entry to **On Hold**, then **Set Status to Ready**.
2. If it stops again, lower *Max. Lines per Run* on **CAW Replenishment Setup** to `2000`.
3. In NAV, check that the NAS service tier is running.""",
    ),
    (
        "faq-sandbox-trial",
        "Can we try the add-on in a sandbox before buying?",
        "licensing",
        K.FAQ,
        ("BC",),
        V.PUBLIC,
        300,
        "Yes: a 30-day trial runs in any Business Central sandbox or production environment.",
        """Yes. Install from AppSource and choose **Start trial** on the *CAW Subscription* page. The trial lasts
**30 days** with all features and up to five users. Data you create during the trial stays when you subscribe.""",
    ),
    (
        "faq-data-residency",
        "Where is our warehouse data stored?",
        "licensing",
        K.FAQ,
        ("BC",),
        V.PUBLIC,
        280,
        "In your own Business Central environment; the mobile app keeps nothing on the device after sign-out.",
        """All warehouse data stays in your Business Central, NAV or GP database. The add-on calls one service of ours:
the licence check, which sends your tenant ID and the number of users, nothing else. The mobile app caches the
current pick only and clears it when the user signs out.""",
    ),
    (
        "faq-supported-versions",
        "Which versions of Business Central, NAV and GP are supported?",
        "licensing",
        K.FAQ,
        ("BC", "NAV", "GP"),
        V.PUBLIC,
        90,
        "The current and previous major version of Business Central, NAV 2018, and GP 18.5 or later.",
        """- **Business Central online and on-premises**: the current and the previous major version.
- **Dynamics NAV 2018** (CU 30 or later): bug fixes only until the end of Microsoft's extended support.
- **Dynamics GP**: 18.5 and later.

The [support lifecycle page](/support/lifecycle/) lists every version of the add-on with its end dates.""",
    ),
    (
        "faq-licensing-model",
        "How is the add-on licensed: per user or per warehouse?",
        "licensing",
        K.FAQ,
        ("BC", "NAV", "GP"),
        V.CUSTOMERS,
        260,
        "Per named warehouse user, with unlimited read-only users; your contract lists the number.",
        """The add-on is licensed **per named warehouse user**: anyone who registers picks, put-aways or counts. Users
who only read warehouse documents or reports do not need a licence. Your contract, shown on the *CAW Subscription*
page, lists the licensed users; you can add users at any time through your partner.""",
    ),
    (
        "release-26-1",
        "Release notes: version 26.1 (2026 release wave 2)",
        "release-notes",
        K.RELEASE_NOTE,
        ("BC",),
        V.PUBLIC,
        10,
        "Support for Business Central 27.0, cross-dock suggestions in wave picking and faster label printing.",
        """**New**

- Support for Business Central 27.0 (2026 release wave 2).
- Cross-dock suggestions on the wave worksheet for inbound items already ordered by customers.
- Label printing sends ZPL directly to network printers (no print server needed).

**Fixed**

- The pick list printed blank bin codes on Business Central 24.3 (see the
  [known issue](/help/articles/pick-list-blank-bin-codes/)).
- The count worksheet ignored the *Location Filter* on some pages.""",
    ),
    (
        "nav-import-fob-objects",
        "Import the NAV 2018 objects (.fob) and merge with your customisations",
        "installation",
        K.HOW_TO,
        ("NAV",),
        V.CUSTOMERS,
        400,
        "Import the add-on's object file into Dynamics NAV 2018 and merge objects your partner has changed.",
        """1. Back up the database.
2. In the Development Environment, choose **File › Import** and select `CAW_NAV2018_CU30.fob`.
3. In the *Import Worksheet*, choose **Replace All** for objects in our range `37046000..37046999` and **Merge**
   for base objects your partner changed (tables 5766, 7320).
4. Compile all objects with *Not Compiled* and run **CAW Upgrade** (codeunit 37046000).

If you see *"You do not have permission to modify object range…"*, see
[the object range article](/help/articles/nav-object-range-permission/).""",
    ),
    (
        "nav-object-range-permission",
        "NAV: “You do not have permission to modify object range” when importing",
        "troubleshooting",
        K.TROUBLESHOOTING,
        ("NAV",),
        V.PUBLIC,
        380,
        "The licence file loaded in the NAV database does not include the add-on's object range.",
        """**Cause**: the licence uploaded to the database is the customer licence without our add-on's granule, or an
old developer licence.

**Solution**: upload the current licence from your partner (**Tools › License Information › Upload**), restart the
service tier, and import again. The licence must include granule *Contoso Advanced Warehousing* (37046000).""",
    ),
    (
        "nav-to-bc-migration",
        "Move warehouse data from NAV 2018 to Business Central online",
        "installation",
        K.HOW_TO,
        ("NAV", "BC"),
        V.PUBLIC,
        170,
        "Use the cloud migration tool with the add-on's migration extension to move waves, counts and bin set-up.",
        """The add-on's data moves with Microsoft's cloud migration when you install the **CAW Cloud Migration**
extension in the target environment.

1. Upgrade NAV 2018 data to Business Central 14 on-premises (Microsoft's technical upgrade).
2. Install CAW for Business Central online and *CAW Cloud Migration*.
3. Run the *Cloud Migration Setup* assisted set-up; the add-on's tables appear in the table mapping.
4. After the final replication, run **CAW › Complete Migration**.

Open waves are not migrated: register or delete them before the final replication.""",
    ),
    (
        "gp-install-dexterity-chunk",
        "Install the add-on on Dynamics GP 18.x",
        "installation",
        K.HOW_TO,
        ("GP",),
        V.PUBLIC,
        330,
        "Copy the Dexterity chunk file to every GP client and run the SQL scripts from GP Utilities.",
        """1. Close Dynamics GP on every workstation.
2. Copy `CAW_GP18.cnk` into the GP program folder (usually `C:\\Program Files (x86)\\Microsoft Dynamics\\GP`).
3. Start GP as `sa` and choose **Yes** to include new code.
4. Open **Tools › Setup › Contoso Advanced Warehousing › Create Tables** for each company.
5. Grant the security role `CAW USER` to warehouse users.

Repeat step 2 on every workstation, or deploy the chunk with your software distribution tool.""",
    ),
    (
        "gp-bin-transfer-duplicate-key",
        "GP: bin transfer fails with “SQL error 2627: duplicate key”",
        "troubleshooting",
        K.TROUBLESHOOTING,
        ("GP",),
        V.PUBLIC,
        75,
        "A bin transfer cannot be posted because an interrupted earlier posting left a row in the work table.",
        """**Error**: `[Microsoft][SQL Server] Violation of PRIMARY KEY constraint 'PKCAW10300'. Cannot insert duplicate
key in object 'dbo.CAW10300'. (2627)`

**Solution**

1. Make sure nobody is posting bin transfers.
2. In **Microsoft Dynamics GP › Maintenance › Check Links**, run *Contoso Advanced Warehousing › Bin Transfers*.
3. Post the transfer again.

Check Links removes the orphaned work rows left by the interrupted posting.""",
    ),
    (
        "gp-year-end-inventory-close",
        "GP: close the inventory year with the add-on's bins",
        "warehouse-operations",
        K.HOW_TO,
        ("GP",),
        V.PUBLIC,
        340,
        "Run the add-on's bin reconciliation before GP's Inventory Year-End Closing.",
        """Before **Inventory Year-End Closing** in GP:

1. Post all open bin transfers and counts.
2. Run **CAW Bin Reconcile** for every site; it compares bin quantities with `IV00102`.
3. Print the *CAW Bin Variance* report and keep it with your year-end documents.
4. Run GP's Inventory Year-End Closing.""",
    ),
    (
        "faq-gp-web-client",
        "Does the add-on work in the GP web client?",
        "licensing",
        K.FAQ,
        ("GP",),
        V.PUBLIC,
        310,
        "Yes, all windows work in the web client except label design, which needs the desktop client.",
        """Yes. Every window of the add-on works in the Dynamics GP web client, except **CAW Label Designer**, which
needs the desktop client because it uses a local printer driver.""",
    ),
    (
        "faq-mobile-offline",
        "Can the mobile app work without Wi-Fi?",
        "scanners",
        K.FAQ,
        ("BC", "NAV", "GP"),
        V.PUBLIC,
        140,
        "Partly: a started pick can be completed offline and is registered when the device reconnects.",
        """The mobile app keeps the current pick on the device. Workers can finish it without a connection; the app
registers it when the connection returns and shows *Waiting to sync* until then. Starting a new pick, receipts and
counts need a connection.""",
    ),
    (
        "internal-collect-diagnostic-bundle",
        "Internal: collect a diagnostic bundle from a customer environment",
        "troubleshooting",
        K.HOW_TO,
        ("BC", "NAV", "GP"),
        V.INTERNAL,
        50,
        "For support engineers: what the diagnostic bundle contains and how to ask the customer for it.",
        """Ask the customer to run **CAW › Export Diagnostic Bundle** (Business Central, NAV) or **Tools › Utilities ›
CAW Diagnostics** (GP). The zip contains the set-up tables, the last 500 job queue log entries and the add-on
version, **no** item or customer data.

Attach it to the incident as an internal file. Never ask for a database backup.""",
    ),
    (
        "edi-carrier-integration",
        "Send shipment notices (EDI 856) to carriers and customers",
        "scanners",
        K.HOW_TO,
        ("BC", "NAV"),
        V.CUSTOMERS,
        65,
        "Configure advance shipping notices that are sent when a warehouse shipment is posted.",
        """1. Open **CAW EDI Partners** and add the carrier or customer with its GS1 company prefix.
2. Choose the format: *X12 856* or *EDIFACT DESADV*.
3. Enter the SFTP endpoint; the password is stored in isolated storage.
4. Post a warehouse shipment: the notice appears in **CAW EDI Log** and is sent within five minutes.""",
    ),
]

# German translations of two originals: slug, original slug, title, summary, body, days ago.
TRANSLATIONS = [
    (
        "pickliste-leere-lagerplatzcodes",
        "pick-list-blank-bin-codes",
        "Pickliste druckt nach dem Update auf 24.3 leere Lagerplatzcodes",
        "Nach dem Update von Business Central auf 24.3 druckt die CAW-Pickliste leere Lagerplatzcodes. "
        "Behoben in Version 24.3.2 des Add-ons.",
        """**Symptome**

Nach dem Update auf Business Central 24.3 druckt der Bericht *CAW Pickliste* (ID 50120) die Zeilen, aber die
Spalten **Lagerplatzcode** und **Zonencode** bleiben leer.

**Lösung**

Aktualisieren Sie das Add-on auf Version **24.3.2** oder höher (*Erweiterungsverwaltung › Aktualisieren*). Als
Umgehung drucken Sie den Standardbericht *Kommissionierliste* (5752).""",
        28,
    ),
    (
        "unterstuetzte-versionen",
        "faq-supported-versions",
        "Welche Versionen von Business Central, NAV und GP werden unterstützt?",
        "Die aktuelle und die vorherige Hauptversion von Business Central, NAV 2018 und GP ab 18.5.",
        """- **Business Central online und lokal**: die aktuelle und die vorherige Hauptversion.
- **Dynamics NAV 2018** (ab CU 30): nur Fehlerbehebungen bis zum Ende des erweiterten Supports von Microsoft.
- **Dynamics GP**: ab Version 18.5.""",
        85,
    ),
]

# The add-on's product and versions from the lifecycle demo, by the Dynamics platform that
# each version runs on (lifecycle/demo.py: 9.0–11.0 for NAV, 11.0 also for GP, 14.0 and the
# modern versions for Business Central).
ADDON_PRODUCT_CODE = "contoso-advanced-warehousing"
PLATFORM_VERSIONS = {"BC": ["14.0", "27.0", "28.0", "29.0"], "NAV": ["9.0", "10.0", "11.0"], "GP": ["11.0"]}

# A few votes and opened suggestions, so that the admin's statistics show something.
VOTES = [
    ("pick-list-blank-bin-codes", [True, True, True, False]),
    ("warehouse-shipment-posting-error", [True, True, False]),
    ("handheld-scanner-setup", [True]),
    ("label-printing-zpl", [False, False, True]),
]
DEFLECTIONS = [
    # article slug, hours ago, whether the customer filed the incident anyway
    ("pick-list-blank-bin-codes", 30, False),
    ("pick-list-blank-bin-codes", 28, False),
    ("warehouse-shipment-posting-error", 26, True),
    ("replenishment-job-queue-stuck", 6, False),
]


_BLOCK_START = re.compile(r"^(\s*([-*+]\s|[>#|]|\d+\.\s|```)|\s*$)")


def unwrap(markdown: str) -> str:
    """Join the hard-wrapped lines of a paragraph or list item (the renderer keeps line breaks)."""
    lines: list[str] = []
    for line in markdown.splitlines():
        if lines and lines[-1].strip() and not _BLOCK_START.match(line):
            lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
        else:
            lines.append(line)
    return "\n".join(lines)


def _applies_to() -> tuple[list[Product], dict[str, list[ProductVersion]]]:
    product = Product.objects.filter(code=ADDON_PRODUCT_CODE).first()
    if product is None:
        return [], {}
    versions = {v.version: v for v in ProductVersion.objects.filter(product=product)}
    return [product], {key: [versions[n] for n in names if n in versions] for key, names in PLATFORM_VERSIONS.items()}


def seed(*, now: dt.datetime, stdout) -> None:
    categories = {}
    for slug, name, description, order in CATEGORIES:
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )
    products, versions = _applies_to()
    created = 0
    for slug, title, category, kind, product_keys, visibility, days_ago, summary, body in ARTICLES:
        published_at = now - dt.timedelta(days=days_ago)
        article, was_created = Article.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "summary": summary,
                "body": unwrap(body),
                "category": categories[category],
                "kind": kind,
                "visibility": visibility,
                "language": "en",
                "status": ArticleStatus.PUBLISHED,
                "published_at": published_at,
                "last_reviewed_on": (published_at + dt.timedelta(days=min(days_ago - 1, 14))).date(),
            },
        )
        created += was_created
        article.products.add(*products)
        for key in product_keys:
            article.versions.add(*versions.get(key, []))
    for slug, original_slug, title, summary, body, days_ago in TRANSLATIONS:
        original = Article.objects.get(slug=original_slug)
        published_at = now - dt.timedelta(days=days_ago)
        article, was_created = Article.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "summary": summary,
                "body": unwrap(body),
                "category": original.category,
                "kind": original.kind,
                "visibility": original.visibility,
                "language": "de",
                "translation_of": original,
                "status": ArticleStatus.PUBLISHED,
                "published_at": published_at,
                "last_reviewed_on": published_at.date(),
            },
        )
        created += was_created
        article.products.add(*original.products.all())
        article.versions.add(*original.versions.all())
    for slug, answers in VOTES:
        article = Article.objects.get(slug=slug)
        for index, is_helpful in enumerate(answers):
            ArticleVote.objects.get_or_create(
                article=article,
                user=None,
                session_key=f"demo-session-{slug[:20]}-{index}",
                defaults={"is_helpful": is_helpful, "voted_at": now - dt.timedelta(hours=index + 1)},
            )
    customer = get_user_model().objects.filter(username="carl@fabrikam.example").first()
    for index, (slug, hours_ago, submitted) in enumerate(DEFLECTIONS):
        opened_at = now - dt.timedelta(hours=hours_ago)
        DeflectionEvent.objects.get_or_create(
            article=Article.objects.get(slug=slug),
            token=f"demo-deflection-{index:02d}",
            defaults={
                "user": customer,
                "opened_at": opened_at,
                "submitted_at": opened_at + dt.timedelta(minutes=12) if submitted else None,
            },
        )
    stdout.write(f"Knowledge base: {created} articles created, {Article.objects.count()} in total.")
