"""The database: reports into SQLite (``load``), year-over-year links (``history``), the build
that keeps a database in step with its PDFs (``build``), and the schema as data (``schema``)."""
