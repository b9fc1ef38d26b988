"""House style as standard Vale styles: configuration, rule types, Markdown scopes and the runner."""
