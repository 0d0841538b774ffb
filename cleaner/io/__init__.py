"""Input and output over one file-system layer.

Reading: `readers.iter_pages` lists the inputs (`fs`), opens and decompresses
them (`compression`), and hands each file to its format's reader (`formats/`, a
registry: one module per format declaring its extensions and reader); `decoding`
turns bytes into text and `records` JSON objects or Parquet rows into pages.
Every file or record a reader cannot use is a `ReadIssue`, never an exception.

Writing: `writer` (Parquet) and the JSON Lines sinks, chosen by the output's
extension (`sinks`).
"""
