"""Reading: a PDF in, a ``Report`` out (``pipeline.extract_pdf``). Pure stages, each a module:
read → grid → layout → the rows or form readers → leftovers → records. Nothing here writes a file."""
