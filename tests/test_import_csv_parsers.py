"""A CSV's rows come out the same whichever parser reads them: pyarrow's (the fast one), pandas' C parser (rows
shorter than the first, a line of spaces) or Python's (the last resort) -- strings, '' for an empty cell, the
file's row numbers as index -- in chunks of the asked size, and a parser that gives up half-way hands on without a
row lost or given twice."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from txip_geo.ingest import read
from txip_geo.ingest.read import Source

RECTANGULAR = {
    "plain": b"a,b,c\n1,2,3\n4,5,6\n",
    "crlf": b"a,b,c\r\n1,2,3\r\n4,5,6\r\n",
    "no final newline": b"a,b,c\n1,2,3",
    "quoted delimiter and quotes": b'a,b,c\n"x,y","he said ""hi""",3\n',
    "quote inside a field": b'a,b,c\nab"c"d,2,3\n',
    "text after a closing quote": b'a,b,c\n"ab"cd,2,3\n',
    "space before a quote": b'a,b,c\n1, "b",3\n',
    "newline in a quoted field": b'a,b,c\n"line1\nline2",2,3\n',
    "empty cells": b"a,b,c\n,,\n1,,\n",
    "empty quoted cells": b'a,b,c\n"","",""\n',
    "blank line": b"a,b,c\n1,2,3\n\n4,5,6\n",
    "spaces kept": b"a,b,c\n  1 , 2 ,3  \n",
    "chinese and full-width": "申请号,申请人,地址\n２０１５,泰兴公司,黄桥镇\n".encode(),
    "null spellings stay text": b"a,b,c\nNA,nan,NULL\n",
    "trailing delimiter": b"a,b,c,\n1,2,3,\n",
    "hash is no comment": b"a,b,c\n#1,2,3\n",
    "backslash is no escape": b"a,b,c\n1\\,2,3\n",
}


def pandas_c(data: bytes, sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(data),
        header=None,
        dtype=str,
        keep_default_na=False,
        sep=sep,
        skip_blank_lines=False,
        encoding="utf-8",
        engine="c",
    )


@pytest.mark.parametrize("name", list(RECTANGULAR))
def test_pyarrow_gives_what_pandas_c_parser_gives(name):
    data = RECTANGULAR[name]
    got = pd.concat(list(read._arrow_chunks(lambda: io.BytesIO(data), ",", 2)))
    pd.testing.assert_frame_equal(got, pandas_c(data))


def test_pyarrow_chunks_have_the_asked_size_across_its_own_blocks(monkeypatch):
    monkeypatch.setattr(read, "ARROW_BLOCK", 64)  # many small blocks of its own
    data = ("a,b\n" + "".join(f"{i},泰兴{i}\n" for i in range(1000))).encode()
    chunks = list(read._arrow_chunks(lambda: io.BytesIO(data), ",", 300))
    assert [len(c) for c in chunks] == [300, 300, 300, 101]
    assert [c.index[0] for c in chunks] == [0, 300, 600, 900]
    pd.testing.assert_frame_equal(pd.concat(chunks), pandas_c(data))


@pytest.mark.parametrize(
    "data", [b"a,b,c\n1,2\n4,5,6\n", b"a,b,c\n   \n1,2,3\n", b"title\na,b,c\n1,2,3\n", b'a,b,c\n"1,2,3\n']
)
def test_pyarrow_refuses_what_it_cannot_take_as_pandas_would(data):
    with pytest.raises(read._ArrowRefused):
        list(read._arrow_chunks(lambda: io.BytesIO(data), ",", 10))


def chunks_of(data: bytes, chunk_rows: int) -> list[pd.DataFrame]:
    return list(read._csv_chunks(Source("t.csv", data=data), chunk_rows))


def test_a_short_row_late_in_the_file_hands_on_to_pandas_without_losing_or_repeating_rows(monkeypatch):
    monkeypatch.setattr(read, "ARROW_BLOCK", 256)
    rows = [f"{i},x{i},y{i}" for i in range(400)]
    rows[350] = "350,x350"  # pyarrow stops here, after giving the first chunks
    data = ("\n".join(rows) + "\n").encode()
    chunks = chunks_of(data, 100)
    whole = pd.concat(chunks)
    pd.testing.assert_frame_equal(whole, pandas_c(data))
    assert list(whole.index) == list(range(400)) and whole.loc[350, 1] == "x350" and whole.loc[351, 1] == "x351"


def test_title_rows_as_wide_as_the_table_are_rows_like_any_other():
    data = "泰兴市专利清单,\n申请号,申请人\n1,甲\n2,乙\n".encode()  # as Excel saves a title row
    whole = pd.concat(chunks_of(data, 2))
    assert whole.values.tolist() == [["泰兴市专利清单", ""], ["申请号", "申请人"], ["1", "甲"], ["2", "乙"]]
    assert list(whole.index) == [0, 1, 2, 3]


@pytest.mark.parametrize("data", [b'a,b\n"1,2\n', "泰兴市专利清单\n申请号,申请人\n1,甲\n".encode()])
def test_an_unparseable_file_is_a_clear_error(data):
    with pytest.raises(ValueError, match="无法解析 CSV"):
        chunks_of(data, 10)
