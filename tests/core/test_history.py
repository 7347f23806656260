"""Reading migration histories: file decoding, Prisma's ordering, and the real corpus."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from prisma_down.core.history import History, SourceFile, load_history, read_source
from prisma_down.core.project import ProjectError, locate
from tests.privileges import unprivileged

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"
CORPUS_DIALECTS = {
    "postgresql": "postgres",
    "mysql": "mysql",
    "sqlite": "sqlite",
    "sqlserver": "tsql",
}


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- read_source -----------------------------------------------------------------------


def test_plain_utf8(tmp_path: Path) -> None:
    data = 'CREATE TABLE "Café" ("id" SERIAL);\n'.encode()
    source = read_source(write_bytes(tmp_path / "migration.sql", data))
    assert source.text == data.decode()
    assert source.error is None
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.path == tmp_path / "migration.sql"


def test_bom_is_stripped_but_hashed(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfSELECT 1;\n"
    source = read_source(write_bytes(tmp_path / "a.sql", data))
    assert source.text == "SELECT 1;\n"
    assert source.error is None
    assert source.sha256 == hashlib.sha256(data).hexdigest()


def test_crlf_is_kept(tmp_path: Path) -> None:
    source = read_source(write_bytes(tmp_path / "a.sql", b"SELECT 1;\r\nSELECT 2;\r\n"))
    assert source.text == "SELECT 1;\r\nSELECT 2;\r\n"


def test_not_utf8_names_byte_and_line(tmp_path: Path) -> None:
    data = b"-- one\r\n-- two\nSELECT '\xff';\n"
    source = read_source(write_bytes(tmp_path / "a.sql", data))
    assert source.error == "not UTF-8 text (invalid byte 0xff at line 3)"
    assert source.text == ""
    assert source.sha256 == hashlib.sha256(data).hexdigest()


def test_latin1_on_first_line(tmp_path: Path) -> None:
    source = read_source(write_bytes(tmp_path / "a.sql", "-- café\n".encode("latin-1")))
    assert source.error == "not UTF-8 text (invalid byte 0xe9 at line 1)"


def test_binary(tmp_path: Path) -> None:
    source = read_source(write_bytes(tmp_path / "a.sql", b"SQLite format 3\x00\x10\x00"))
    assert source.error == "a binary file, not SQL"
    assert source.text == ""
    assert source.sha256 != ""


def test_utf16_gets_its_own_sentence(tmp_path: Path) -> None:
    source = read_source(write_bytes(tmp_path / "a.sql", "SELECT 1;\n".encode("utf-16")))
    assert source.error is not None
    assert source.error.startswith("not UTF-8 text (UTF-16")


def test_empty_file(tmp_path: Path) -> None:
    source = read_source(write_bytes(tmp_path / "a.sql", b""))
    assert (source.text, source.error) == ("", None)


def test_missing_file(tmp_path: Path) -> None:
    source = read_source(tmp_path / "nope.sql")
    assert source.error == "unreadable: no such file or directory"
    assert (source.text, source.sha256) == ("", "")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "down.sql").mkdir()
    assert read_source(tmp_path / "down.sql").error == "not a regular file but a folder"


def test_permission_denied(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "a.sql", b"SELECT 1;\n")
    path.chmod(0)
    code = (
        "import sys; from pathlib import Path; from prisma_down.core.history import read_source; "
        "s = read_source(Path(sys.argv[1])); print(repr((s.error, s.text, s.sha256)))"
    )
    proc = subprocess.run(
        unprivileged([sys.executable, "-c", code, str(path)]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == repr(("unreadable: permission denied", "", "")), proc.stderr


def finishes(work: Callable[[], SourceFile], fifo: Path | None = None) -> SourceFile:
    """``work()``, which must not block: a read of a FIFO waits for a writer forever, so
    the test opens one (and closes it) to set a stuck reader free before failing."""
    done: list[SourceFile] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive() and fifo is not None:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)
    assert done, "the read blocked"
    return done[0]


def test_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "migration.sql")
    source = finishes(lambda: read_source(tmp_path / "migration.sql"), tmp_path / "migration.sql")
    assert source.error == "not a regular file but a FIFO (named pipe)"
    assert (source.text, source.sha256) == ("", "")


def test_file_larger_than_the_cap(tmp_path: Path) -> None:
    from prisma_down.core.files import MAX_FILE_BYTES

    path = tmp_path / "migration.sql"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    source = read_source(path)
    assert source.error is not None and "larger than 64 MiB" in source.error
    assert MAX_FILE_BYTES >= 20 * 1024 * 1024  # a 20 MB migration of 100k tables fits


def test_file_at_the_cap_is_read(tmp_path: Path) -> None:
    from prisma_down.core.files import MAX_FILE_BYTES

    data = b"--" + b"x" * (MAX_FILE_BYTES - 3) + b"\n"
    source = read_source(write_bytes(tmp_path / "migration.sql", data))
    assert source.error is None and len(source.text) == MAX_FILE_BYTES


def test_link_out_of_the_migrations_folder_is_not_read(tmp_path: Path) -> None:
    secret = write_bytes(tmp_path / "secret.txt", b"root:x:0:0:canary\n")
    root = make_history(tmp_path / "migrations", ["1_a", "2_b"])
    (root / "1_a" / "migration.sql").unlink()
    (root / "1_a" / "migration.sql").symlink_to(secret)
    (root / "2_b" / "down.sql").symlink_to(secret)
    first, second = load_history(root).migrations
    assert first.up.error == (
        f"a link to {secret}, outside the migrations folder: prisma-down reads only files inside it"
    )
    assert "canary" not in first.up.text
    assert second.down is not None and second.down.error is not None
    assert f"a link to {secret}" in second.down.error  # (/dev/zero: tests/cli, bounded)


def test_link_inside_the_migrations_folder_is_read(tmp_path: Path) -> None:
    root = make_history(tmp_path / "migrations", ["1_a", "2_b"])
    (root / "2_b" / "down.sql").symlink_to(Path("..") / "1_a" / "migration.sql")
    linked = tmp_path / "linked"
    linked.symlink_to(root)  # the migrations folder itself may be reached through a link
    down = load_history(linked).migrations[1].down
    assert down is not None and (down.error, down.text) == (None, "-- 1_a\n")


def test_folder_linked_out_of_the_migrations_folder(tmp_path: Path) -> None:
    root = make_history(tmp_path / "migrations", ["1_a"])
    far = make_history(tmp_path / "far", ["2_far"]) / "2_far"
    (root / "2_far").symlink_to(far)
    (root / "3_near").symlink_to(root / "1_a")  # inside: an ordinary migration
    history = load_history(root)
    assert [m.name for m in history.migrations] == ["1_a", "2_far", "3_near"]
    assert history.migrations[1].up.error == (
        f"the folder is a link to {far}, outside the migrations folder: prisma-down reads "
        "and writes only inside it"
    )
    assert history.migrations[2].up.error is None


def test_non_utf8_folder_name_is_an_error_not_a_crash(tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"1_caf\xe9")
    os.mkdir(folder)
    with open(os.path.join(folder, b"migration.sql"), "wb") as file:
        file.write(b"SELECT 1;")
    (migration,) = load_history(tmp_path).migrations
    assert migration.up.error is not None
    assert "1_caf\\xe9 is not UTF-8 text" in migration.up.error
    migration.up.error.encode("utf-8")  # printable as it is


def test_unreadable_folder_is_a_migration_with_an_error(tmp_path: Path) -> None:
    root = make_history(tmp_path / "migrations", ["1_a", "2_locked", "3_c"])
    (root / "2_locked").chmod(0)
    code = (
        "import sys; from pathlib import Path; from prisma_down.core.history import load_history; "
        "print(repr([(m.name, m.up.error) for m in load_history(Path(sys.argv[1])).migrations]))"
    )
    try:
        proc = subprocess.run(
            unprivileged([sys.executable, "-c", code, str(root)]),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        (root / "2_locked").chmod(0o755)
    assert proc.stdout.strip() == repr(
        [
            ("1_a", None),
            ("2_locked", "the folder cannot be read (permission denied)"),
            ("3_c", None),
        ]
    ), proc.stderr


# --- load_history ----------------------------------------------------------------------


def make_history(root: Path, names: list[str], lock: str | None = None) -> Path:
    for name in names:
        write_bytes(root / name / "migration.sql", f"-- {name}\n".encode())
    if lock is not None:
        write_bytes(root / "migration_lock.toml", lock.encode())
    return root


def test_order_is_prisma_order(tmp_path: Path) -> None:
    names = [
        "20240101000000_init",
        "20240101000000_",
        "20240126184148_new_models copy",
        "20240126184148_new_models",
        "20250517173700_add_presets.sql",
        "20250625_add_pivot_table_charttype",
        "01_init",
        "10_add",
        "2_add",
        "Zeta",
        "alpha",
        "zz",
        "é_accented",
    ]
    history = load_history(make_history(tmp_path, names))
    assert [m.name for m in history.migrations] == [
        "01_init",
        "10_add",
        "20240101000000_",
        "20240101000000_init",
        "20240126184148_new_models",
        "20240126184148_new_models copy",
        "20250517173700_add_presets.sql",
        "20250625_add_pivot_table_charttype",
        "2_add",
        "Zeta",
        "alpha",
        "zz",
        "é_accented",
    ]


def test_non_utf8_folder_name_sorts_by_bytes(tmp_path: Path) -> None:
    for raw in (b"b", b"a\xff", b"a\x7f", b"\xc3\xa9"):
        folder = os.path.join(os.fsencode(tmp_path), raw)
        os.mkdir(folder)
        with open(os.path.join(folder, b"migration.sql"), "wb") as file:
            file.write(b"SELECT 1;")
    history = load_history(tmp_path)
    assert [os.fsencode(m.name) for m in history.migrations] == [
        b"a\x7f",
        b"a\xff",
        b"b",
        b"\xc3\xa9",
    ]


def test_only_folders_with_migration_sql(tmp_path: Path) -> None:
    make_history(tmp_path, ["20240101000000_init"], 'provider = "postgresql"')
    (tmp_path / "20240102000000_draft").mkdir()
    write_bytes(tmp_path / "20240103000000_notes" / "README.md", b"notes")
    write_bytes(tmp_path / "LICENSE.txt", b"MIT")
    write_bytes(tmp_path / "001_rollback.sql", b"DROP TABLE a;")
    history = load_history(tmp_path)
    assert [m.name for m in history.migrations] == ["20240101000000_init"]
    assert not (tmp_path / "20240102000000_draft" / "migration.sql").exists()
    assert not (tmp_path / "20240103000000_notes" / "migration.sql").exists()


def test_migration_fields_and_down(tmp_path: Path) -> None:
    make_history(tmp_path, ["1_a", "2_b"])
    write_bytes(tmp_path / "2_b" / "down.sql", b"DROP TABLE b;\n")
    history = load_history(tmp_path)
    first, second = history.migrations
    assert (first.name, first.directory, first.down) == ("1_a", tmp_path / "1_a", None)
    assert first.up.text == "-- 1_a\n"
    assert first.up.path == tmp_path / "1_a" / "migration.sql"
    assert first.down_path == tmp_path / "1_a" / "down.sql"
    assert second.down is not None
    assert second.down.text == "DROP TABLE b;\n"
    assert history.index_of("2_b") == 1
    assert history.index_of("nope") is None
    assert history.root == tmp_path


def test_dangling_down_symlink_is_reported(tmp_path: Path) -> None:
    make_history(tmp_path, ["1_a"])
    (tmp_path / "1_a" / "down.sql").symlink_to(tmp_path / "gone.sql")
    down = load_history(tmp_path).migrations[0].down
    assert down is not None
    assert down.error == "unreadable: no such file or directory"


def test_bad_files_do_not_stop_the_history(tmp_path: Path) -> None:
    make_history(tmp_path, ["1_a", "3_c"])
    write_bytes(tmp_path / "2_b" / "migration.sql", b"\x00\x01")
    write_bytes(tmp_path / "3_c" / "down.sql", b"\xfe")
    history = load_history(tmp_path)
    assert [m.up.error for m in history.migrations] == [None, "a binary file, not SQL", None]
    down = history.migrations[2].down
    assert down is not None
    assert down.error == "not UTF-8 text (invalid byte 0xfe at line 1)"


@pytest.mark.parametrize(
    ("provider", "dialect"),
    [
        ("postgresql", "postgres"),
        ("cockroachdb", "cockroachdb"),
        ("mysql", "mysql"),
        ("sqlite", "sqlite"),
        ("sqlserver", "tsql"),
        ("mssql", "tsql"),
    ],
)
def test_dialect_from_lock_file(tmp_path: Path, provider: str, dialect: str) -> None:
    lock = f'# Please do not edit this file manually\nprovider = "{provider}"'
    history = load_history(make_history(tmp_path, ["1_a"], lock))
    assert (history.provider, history.dialect) == (provider, dialect)


def test_dialect_argument_wins(tmp_path: Path) -> None:
    make_history(tmp_path, ["1_a"], 'provider = "mysql"')
    assert load_history(tmp_path, "sqlite").dialect == "sqlite"
    assert load_history(tmp_path, "sqlserver").dialect == "tsql"
    assert load_history(tmp_path, "sqlite").provider == "mysql"


def test_default_dialect_is_postgres(tmp_path: Path) -> None:
    history = load_history(make_history(tmp_path, ["1_a"]))
    assert (history.provider, history.dialect) == (None, "postgres")


def test_unknown_provider(tmp_path: Path) -> None:
    make_history(tmp_path, ["1_a"], 'provider = "mongodb"')
    with pytest.raises(ProjectError, match="mongodb"):
        load_history(tmp_path)
    with pytest.raises(ProjectError, match="oracle"):
        load_history(tmp_path, "oracle")


def test_missing_root_is_an_empty_history(tmp_path: Path) -> None:
    history = load_history(tmp_path / "nope")
    assert history == History(tmp_path / "nope", None, "postgres", ())


# --- the real corpus -------------------------------------------------------------------


def corpus_or_skip() -> Path:
    if CORPUS.is_dir():
        return CORPUS
    if os.environ.get("CI"):
        pytest.fail(f"The migration corpus is missing at {CORPUS}; CI must provide it.")
    pytest.skip(f"no migration corpus at {CORPUS}")


def test_every_corpus_history_loads() -> None:
    corpus = corpus_or_skip()
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as file:
        manifest = {row["history"]: row for row in csv.DictReader(file, delimiter="\t")}
    histories = sorted(p for p in corpus.glob("*/*") if p.is_dir())
    assert histories, f"no histories under {corpus}"
    checked = 0
    for folder in histories:
        key = f"{folder.parent.name}/{folder.name}"
        assert key in manifest, f"{key} is not in MANIFEST.tsv"
        row = manifest[key]
        history = load_history(folder)
        expected = int(row["migrations"])
        problems = [
            (m.name, f.error) for m in history.migrations for f in (m.up, m.down) if f and f.error
        ]
        assert problems == [], key
        if expected > 0:
            assert len(history.migrations) == expected, key
            assert history.dialect == CORPUS_DIALECTS[row["provider"]], key
            checked += 1
    assert checked == sum(int(row["migrations"]) > 0 for row in manifest.values())


def test_bundled_example_project() -> None:
    example = Path(__file__).parents[2] / "examples" / "blog"
    history = load_history(locate(example).migrations_dir)
    assert (history.provider, history.dialect) == ("postgresql", "postgres")
    assert len(history.migrations) == 8
    assert history.migrations[0].name == "20240105093000_init"
    assert all(m.down is None and m.up.error is None for m in history.migrations)
