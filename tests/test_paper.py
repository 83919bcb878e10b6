"""The handout and the report on paper (voicecoach/handout.py, report.py, paper.py), read back by
independent tools: pdftotext finds every fact of each built-in program in its handout and every
number of a history in its report, pdftoppm renders the pages (the chart is drawn, the QR code is
read back by zbarimg), Python's csv reads the CSV, and bad input writes nothing."""

from __future__ import annotations

import csv
import html.parser
import io
import json
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta

import pytest

from tests.readonly import needs_read_only, read_only
from voicecoach.handout import LABELS, handout, seconds_text
from voicecoach.program import Hold, Move, Sided, load_builtin, said

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftotext, pdftoppm) is not installed")
TODAY = date.today()


def flat(text: str) -> str:
    """Text with every run of white space as one space (pdftotext breaks lines where the page does)."""
    return re.sub(r"\s+", " ", text).strip()


def pdf_pages(path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                                                            check=True).stdout).group(1))
    return [flat(subprocess.run(["pdftotext", "-raw", "-f", str(n), "-l", str(n), str(path), "-"],
                                capture_output=True, text=True, check=True).stdout) for n in range(1, count + 1)]


def pdf_text(path) -> str:
    return flat(subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout)


def texts(lines) -> list[str]:
    """A program's lines as printed: a line said by side, once for each side."""
    out = []
    for line in lines:
        if isinstance(line, Sided):
            out += [said(line, "left"), said(line, "right")]
        else:
            out.append(line)
    return out


def exercise_facts(exercise) -> list[str]:
    """Every fact of an exercise, as the program file gives it (not as the handout makes them)."""
    facts = [exercise.name, *texts(exercise.position), *texts(exercise.instructions), str(exercise.reps)]
    for phase in exercise.movement:
        if isinstance(phase, Move):
            facts += texts([phase.say])
            facts.append(f"{phase.seconds:g} s")
        elif isinstance(phase, Hold):
            facts.append(f"{phase.seconds:g} s")
            if phase.min_seconds is not None:
                facts.append(f"{phase.min_seconds:g} to {phase.seconds:g} s")
    if exercise.reminder is not None:
        facts += texts([exercise.reminder])
    if exercise.each_side:
        facts.append("on each side")
    facts += [f"{exercise.rest_after_s:g} s", f"{exercise.setup_s:g} s"]
    return facts


# --- the handout -------------------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("name", ["beginning", "intermediate", "advanced"])
def test_the_handout_has_every_fact_of_the_program_and_never_splits_an_exercise(run, tmp_path, name):
    program = load_builtin(name)
    target = tmp_path / f"{name}.pdf"
    done = run("handout", name, "-o", str(target))
    assert done.exit_code == 0 and done.stdout.startswith(f"Wrote {target}"), done.output
    whole = pdf_text(target)
    for fact in [program.title, *program.intro, *program.safety]:
        assert flat(fact) in whole, fact
    pages = pdf_pages(target)
    for exercise in program.exercises:
        # the page that has the exercise's name has all of it: one exercise is never split over two pages
        (page,) = [page for page in pages if f"{exercise.name} Starting position" in page]
        for fact in exercise_facts(exercise):
            assert flat(fact) in page, (exercise.name, fact)
    assert f"voicecoach play {name}" in pages[-1]


@needs_poppler
@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools (zbarimg) is not installed")
@pytest.mark.parametrize("audio", [None, "https://example.org/sessions/beginning.mp3"])
def test_the_qr_code_reads_back_as_the_play_command_or_the_audio_address(run, tmp_path, audio):
    target = tmp_path / "h.pdf"
    done = run("handout", "beginning", "-o", str(target), *(["--audio", audio] if audio else []))
    assert done.exit_code == 0, done.output
    pages = len(pdf_pages(target))
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", str(pages), "-l", str(pages), str(target),
                    str(tmp_path / "page")], check=True)
    (image,) = tmp_path.glob("page*.png")
    read = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True)
    assert read.stdout.strip() == (audio or "voicecoach play beginning")


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.lang = None
        self.svgs = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "svg":
            self.svgs += 1
        if tag in ("style", "svg", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "svg", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_html_handout_has_every_fact_and_the_qr_code_as_svg(run, tmp_path):
    program = load_builtin("advanced")
    target = tmp_path / "advanced.html"
    assert run("handout", "advanced", "-o", str(target)).exit_code == 0
    page = html_text(target)
    text = flat(" ".join(page.parts))
    assert page.lang == "en" and page.svgs == 1
    for fact in [program.title, *program.safety] + [fact for e in program.exercises for fact in exercise_facts(e)]:
        assert flat(fact) in text, fact
    assert target.read_text(encoding="utf-8").count('class="exercise"') == len(program.exercises)
    short = tmp_path / "advanced.htm"  # .htm is HTML too
    assert run("handout", "advanced", "-o", str(short)).exit_code == 0
    assert short.read_text(encoding="utf-8") == target.read_text(encoding="utf-8")


GERMAN = """\
title: Rückenübungen für daheim
language: de
intro: Übungen für einen gesünderen Rücken.
safety:
  - Hören Sie auf, wenn eine Übung schmerzt – fragen Sie Ihre Ärztin.
exercises:
  - name: Beckenkippen
    position: Legen Sie sich auf den Rücken, die Füße flach auf dem Boden.
    instructions: Spannen Sie den Bauch an und drücken Sie den Rücken gegen den Boden.
    reminder: Atmen Sie ruhig weiter.
    reps: 8
    movement:
      - {say: Anspannen., seconds: 1.5}
      - hold: 5
      - {say: Lösen., seconds: 2}
"""


@needs_poppler
def test_a_german_program_prints_in_german_with_every_accent(run, write_program, tmp_path):
    program = write_program(GERMAN, "ruecken.yaml")
    target = tmp_path / "rücken.pdf"
    done = run("handout", str(program), "-o", str(target))
    assert done.exit_code == 0, done.output
    text = pdf_text(target)
    words = LABELS["de"]
    for fact in ["Rückenübungen für daheim", "Übungen für einen gesünderen Rücken.",
                 "Hören Sie auf, wenn eine Übung schmerzt – fragen Sie Ihre Ärztin.", "Beckenkippen",
                 "Legen Sie sich auf den Rücken, die Füße flach auf dem Boden.", "Atmen Sie ruhig weiter.",
                 "Anspannen. (1,5 s)", "Lösen. (2 s)", words["position"], words["steps"], words["reps"],
                 words["hold"].format(seconds="5"), words["exercise"].format(number=1, total=1)]:
        assert flat(fact) in text, fact
    assert seconds_text(1.5, "de") == "1,5" and seconds_text(1.5, "en") == "1.5"


def test_the_handout_is_the_program_and_nothing_invented():
    program = load_builtin("beginning")
    document = handout(program, "beginning")
    assert [sheet.name for sheet in document.sheets] == [exercise.name for exercise in program.exercises]
    assert document.safety == program.safety and document.link == "voicecoach play beginning"
    for sheet, exercise in zip(document.sheets, program.exercises):
        assert list(sheet.position) == texts(exercise.position) and list(sheet.steps) == texts(exercise.instructions)
        assert len(sheet.each_rep) == len(exercise.movement)
    assert handout(program, "my programs/b.yaml").link == "voicecoach play 'my programs/b.yaml'"


@pytest.mark.parametrize("args, code, words", [
    (["handout", "beginning", "-o", "{tmp}/h.docx"], 2, "write .htm or .html or .pdf, not '.docx'"),
    (["handout", "beginning", "-o", "{tmp}/h"], 2, "not 'a file with no extension'"),
    (["handout", "begining", "-o", "{tmp}/h.pdf"], 2, "did you mean 'beginning'?"),
    (["handout", "beginning", "-o", "{tmp}/missing/h.pdf"], 1, "does not exist"),
    (["handout", "beginning", "-o", "{tmp}/h.pdf", "--audio", "not a link"], 2, "--audio takes the address"),
    (["report", "-o", "{tmp}/r.txt"], 2, "not '.txt'"),
    (["report", "-o", "{tmp}/missing/r.pdf"], 1, "does not exist"),
    (["report", "-o", "{tmp}"], 1, "this is a folder; give a file name such as"),
    (["report", "--since", "yesterday"], 2, "YYYY-MM-DD"),
    (["report", "--program", "advnced"], 2, "did you mean 'advanced'?"),
    (["report", "--format", "pdf"], 2, "needs -o FILE"),
])
def test_bad_input_is_one_line_and_nothing_is_written(run, assert_one_line_error, tmp_path, args, code, words):
    done = run(*[arg.replace("{tmp}", str(tmp_path)) for arg in args])
    assert_one_line_error(done, code, words)
    assert list(tmp_path.iterdir()) == []


@needs_read_only
def test_a_read_only_folder_is_one_line_and_the_old_file_stays(tmp_path):
    folder = tmp_path / "kept"
    folder.mkdir()
    old = folder / "h.pdf"
    old.write_bytes(b"the clinician's copy")
    done = subprocess.run(read_only(folder, [sys.executable, "-m", "voicecoach", "handout", "beginning", "-o",
                                             str(old)]), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == "", done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ") and "Traceback" not in done.stderr
    assert [p.name for p in folder.iterdir()] == ["h.pdf"] and old.read_bytes() == b"the clinician's copy"


# --- the report --------------------------------------------------------------------------------------


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


# (days ago, program, pain before, pain after, next morning, exercise that hurt)
HISTORY = [(20, "beginning", 5, 4, None, None), (18, "beginning", 4, 3, "better", None),
           (16, "beginning", 6, 8, "worse", "3"), (13, "beginning", 3, 2, "same", None),
           (11, "intermediate", 2, 1, None, None), (9, "beginning", 7, 9, "worse", "Heel slides"),
           (6, "beginning", 2, 2, None, None), (2, "beginning", 1, 0, "better", None)]


@pytest.fixture
def history(run):
    """A history of eight sessions over three weeks, written with `voicecoach log --date`."""
    for ago, program, before, after, morning, hurt in HISTORY:
        args = ["log", program, "--date", days_ago(ago), "--pain-before", str(before), "--pain-after", str(after)]
        args += ["--next-morning", morning] if morning else []
        args += ["--hurt", hurt] if hurt else []
        done = run(*args)
        assert done.exit_code == 0, done.output
    from voicecoach.history import sessions

    return list(reversed(sessions()))


@needs_poppler
def test_the_report_has_every_number_of_the_history(run, tmp_path, history):
    target = tmp_path / "report.pdf"
    done = run("report", "-o", str(target), "--patient", "Anna Example")
    assert done.exit_code == 0 and done.stdout == f"Wrote {target}: 8 sessions.\n", done.output
    text = pdf_text(target)
    assert "For Anna Example" in text and "8 sessions from" in text
    for entry in history:  # every session's row, its cells in order, from the history's own values
        row = (f"{entry.started.astimezone():%d %b %Y %H:%M} {entry.title} {entry.listened_ms / 60000:.1f} "
               f"{entry.completed}/{entry.exercises} {entry.pain_before} -> {entry.pain_after} {entry.next_morning or '-'}")
        assert row in text, row
    # every stop for pain with its exercise and date
    assert "3. Abdominal contraction" in text and "2. Heel slides" in text
    # averages: before (5+4+6+3+2+7+2+1)/8 = 3.75, after (4+3+8+2+1+9+2+0)/8 = 3.625
    assert "on average: 3.8 before and 3.6 after, over 8 rated sessions" in text
    assert "The morning after: 2 better, 1 same, 2 worse." in text


@needs_poppler
def test_the_chart_is_drawn_and_not_empty(run, tmp_path, history):
    from PIL import Image

    target = tmp_path / "report.pdf"
    assert run("report", "-o", str(target)).exit_code == 0
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(target), str(tmp_path / "p")], check=True)
    (image,) = tmp_path.glob("p*.png")

    import numpy as np

    page = np.asarray(Image.open(image).convert("RGB")).astype(int)

    def pixels(colour: str) -> int:
        want = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(page - want) < 40).all(axis=2).sum())

    from voicecoach.paper import AFTER_COLOUR, BEFORE_COLOUR

    # each series drawn: its line and markers, not only the legend's (a few pixels)
    assert pixels(BEFORE_COLOUR) > 150 and pixels(AFTER_COLOUR) > 150


@needs_poppler
def test_no_history_says_so_on_its_page_and_draws_no_chart(run, tmp_path):
    target = tmp_path / "report.pdf"
    done = run("report", "-o", str(target))
    assert done.exit_code == 0 and done.stdout == f"Wrote {target}: no sessions yet.\n"
    text = pdf_text(target)
    assert "No sessions yet: there is nothing to report." in text and "Pain before and after" not in text
    assert run("report").stdout.startswith("No sessions yet")


def test_the_csv_has_a_row_a_session_with_the_historys_values(run, tmp_path, history):
    target = tmp_path / "report.csv"
    assert run("report", "-o", str(target)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert len(rows) == len(history)
    for row, entry in zip(rows, history):
        assert int(row["id"]) == entry.id and row["started"] == entry.started.isoformat()
        assert (int(row["pain_before"]), int(row["pain_after"])) == (entry.pain_before, entry.pain_after)
        assert row["next_morning"] == (entry.next_morning or "")
        assert int(row["listened_ms"]) == entry.listened_ms and int(row["completed"]) == entry.completed
        assert row["hurt_exercise"] == (entry.hurt.name if entry.hurt else "")


def test_the_json_is_history_json_of_the_same_sessions(run, tmp_path, history):
    target = tmp_path / "report.json"
    assert run("report", "-o", str(target)).exit_code == 0
    mine = json.loads(target.read_text(encoding="utf-8"))
    theirs = json.loads(run("history", "--json", "--limit", "0").stdout)
    assert mine == theirs
    since = json.loads(run("report", "-o", "-", "--format", "json", "--since", days_ago(10)).stdout)
    assert [s["id"] for s in since["sessions"]] == [s["id"] for s in theirs["sessions"] if s["started"] >= since
                                                    ["sessions"][-1]["started"]]
    assert len(since["sessions"]) == 3
    only = json.loads(run("report", "--format", "json", "--program", "intermediate").stdout)
    assert [s["program"] for s in only["sessions"]] == ["intermediate"]


def test_the_html_report_has_the_chart_as_svg_and_the_numbers(run, tmp_path, history):
    target = tmp_path / "report.html"
    assert run("report", "-o", str(target)).exit_code == 0
    page = html_text(target)
    text = flat(" ".join(page.parts))
    assert page.svgs == 1 and "<polyline" in target.read_text(encoding="utf-8") or "<path" in target.read_text()
    for entry in history:
        assert f"{entry.pain_before} -> {entry.pain_after}" in text


def test_a_damaged_history_is_one_line_and_no_file(run, assert_one_line_error, tmp_path, isolated_history):
    damaged = isolated_history / "history.db"
    damaged.write_bytes(b"this is not a database" * 100)
    target = tmp_path / "report.pdf"
    assert_one_line_error(run("report", "-o", str(target)), 1, str(damaged))
    assert list(tmp_path.iterdir()) == []


def test_the_plans_level_and_suggestion_are_in_the_report(run, history):
    assert run("plan", "start").exit_code == 0
    text = run("report").stdout
    assert "Plan: Back exercises, step by step, level 1 of 3 (Beginning back exercise program)" in text
    assert "Its suggestion: " in text
