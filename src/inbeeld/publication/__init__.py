"""Rendering of results: SVG charts (and, later, PDF reports and exports)."""
