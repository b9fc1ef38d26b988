"""The inspector's evidence pack: what it says (collect), its index page, its PDF, the folder it is
written to (bundle), and how it is checked (verify_bundle, shipped in the pack, and check)."""
