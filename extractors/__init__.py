"""Extractors: documents to page content (text lines and table Grids) to raw frames."""
