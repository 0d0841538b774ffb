"""Input and output: readers turn files into `Page`s; the writer turns results into Parquet.

Readers (`cleaner.io.readers.iter_pages`) stream pages from text dumps, JSON
Lines, HTML files, WARC/WET archives and Parquet files, and report every
file or record they cannot use as a `ReadIssue` instead of raising.
"""
