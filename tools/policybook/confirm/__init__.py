"""The read-and-understood service: staff sign in, see what changed, answer a policy's questions and
confirm; every confirmation is kept in a hash-chained, append-only table that ``policybook ack pull``
copies into records/acknowledgements.csv.

One job per module. The frontmatter field: ``questions``. The record: ``database`` and ``migrations``
(tables, triggers, schema versions), ``chain`` (the hash chain, pure) and ``ledger`` (inserting and
reading rows). Sign-in: ``codes``, ``sessions``, ``mail``. Who must read what: ``people``, ``progress``,
``library`` (the policy library, reloaded when it changes) and ``reading`` (what a person is shown).
``service`` holds the operations the JSON API (``api``) and the HTML pages (``pages``) share; ``web``,
``security`` and ``app`` make the web service, ``server`` runs it under uvicorn. ``remind`` and ``pull``
are the manager's commands. Importing this package imports none of them: lint needs only ``questions``.
"""
