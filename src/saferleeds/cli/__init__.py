"""The `saferleeds` command line: `saferleeds <noun> <verb>`."""

from saferleeds.cli.main import app


def main() -> None:
    """Run the CLI."""
    app()


__all__ = ["app", "main"]
