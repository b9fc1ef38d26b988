"""The public site for patients and the public: a MkDocs site of its own (public.mkdocs.yml), built by
`policybook build` into site-public/, showing documents for patients, policies marked public and their
editions, and nothing from the staff site."""
