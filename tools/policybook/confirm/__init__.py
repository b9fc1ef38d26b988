"""The read-and-understood service: staff sign in, see what changed, answer a policy's questions and
confirm; every confirmation is kept in a hash-chained, append-only table that ``policybook ack pull``
copies into records/acknowledgements.csv.

One job per module: ``questions`` (the frontmatter field), ``database`` and ``migrations`` (the tables),
``chain`` and ``ledger`` (the record), ``codes`` and ``sessions`` (sign-in), ``people`` and ``progress``
(who must read what), ``reading`` (what a person is shown), ``service`` (the operations the API and the
pages share), ``api``, ``pages``, ``security`` and ``app`` (the web service), ``mail``, ``remind`` and
``pull``. Importing this package imports none of them: lint needs only ``questions``.
"""
