"""Importers, one folder per source: parser, documentation and sample files (bad ones too)."""
