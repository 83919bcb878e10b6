"""Plain-language explanations of the layout mistakes people make in YAML program files.

PyYAML reports what its parser expected ("could not find expected ':'", "expected <block end>,
but found '?'"), often on a line after the real mistake. A physiotherapy patient writing a program
cannot act on that. `explain` looks at the lines around the parser's report and says, in plain
words, which line is wrong and what to change; it falls back to a general hint, never to the
parser's own words.
"""

from __future__ import annotations

import re

import yaml

from voicecoach.errors import shown

# Keys that start a new list item: a line with one of these where the '- ' should be lost its dash.
ITEM_KEYS = {"name": "exercise", "say": "step", "hold": "step"}
# Characters that cannot start unquoted text.
_SPECIAL_START = "{[*&!|>@`%'\""


def explain(text: str, error: yaml.MarkedYAMLError, keys: frozenset[str] = frozenset()) -> tuple[int | None, str]:
    """The line (1-based) and a plain-language description of a YAML syntax error in text; `keys`
    are the format's keys, so that 'reps 2' can be told to add a ':'."""
    lines = text.splitlines()
    problem = error.problem or ""
    context = error.context or ""
    problem_at = error.problem_mark.line if error.problem_mark is not None else None
    context_at = error.context_mark.line if error.context_mark is not None else None
    last = problem_at if problem_at is not None else len(lines) - 1

    for index, line in enumerate(lines[: last + 1]):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return index + 1, "this line is indented with a tab; indent with spaces instead (tabs are not allowed)"
    if "'\\t'" in problem and problem_at is not None:
        return problem_at + 1, "there is a tab on this line; use spaces instead (tabs are not allowed)"

    if problem_at is not None and problem_at < len(lines):
        # '-hold: 5': without a space the dash is part of the key, and the parser's report is
        # about indentation, on this line or the next.
        for index in [problem_at] + [i for i, _ in _content(lines, problem_at)[:1]]:
            dashed = re.match(r"\s*-([A-Za-z_{\[].*)$", lines[index])
            if dashed:
                return index + 1, f"put a space after the '-': '- {shown(dashed.group(1).strip(), 60)}'"

    if context.startswith("while scanning a quoted scalar") and context_at is not None:
        quote = _char(lines, error.context_mark)
        return context_at + 1, (f"the quote mark {quote} opened on this line is never closed; "
                                f"put another {quote} at the end of the text")

    if "another document" in problem and problem_at is not None:
        return problem_at + 1, "the line '---' starts a second program; a file holds one program: remove it"

    if "could not find expected ':'" in problem and context_at is not None:
        return context_at + 1, _missing_colon(lines[context_at], keys)

    in_line = problem_at is not None and problem_at < len(lines)
    quoting = _needs_quotes(lines[problem_at], error.problem_mark.column) if in_line else None
    if quoting:
        return problem_at + 1, quoting
    if "expected ',' or" in problem and (context_at is not None or problem_at is not None):
        opener = context_at if context_at is not None else problem_at
        bracket = "[ ]" if "]" in problem else "{ }"
        return opener + 1, (f"the {bracket} that opens on this line is not closed, or text in it "
                            "contains ':' or ','; close it, or put the text in quotes")
    if in_line:
        if "mapping values are not allowed" in problem:
            before = _content(lines, problem_at)
            if before and _parts(before[0][1])[3] is None and not _parts(before[0][1])[1]:
                return before[0][0] + 1, _missing_colon(before[0][1], keys)
            return problem_at + 1, _indentation(lines, problem_at) or _colon_in_text_hint()
        if "block end" in problem or "block" in context:
            advice = _indentation(lines, problem_at)
            if advice:
                return problem_at + 1, advice

    line = problem_at + 1 if problem_at is not None else None
    return line, ("this line does not fit the layout of a program: check that it is indented like the "
                  "lines it belongs with, that each key has ': ' after it, and that text containing ': ' "
                  "or ' #' or starting with a special character is in quotes")


def _char(lines: list[str], mark) -> str:
    try:
        return lines[mark.line][mark.column]
    except IndexError:
        return '"'


def _missing_colon(line: str, keys: frozenset[str] = frozenset()) -> str:
    match = re.match(r"\s*(?:-\s+)?([A-Za-z_]\w*):(\S.*)$", line)
    if match:
        key, value = match.groups()
        return f"put a space after the colon: '{shown(key)}: {shown(value)}'"
    body = line.strip()
    if re.fullmatch(r"(?:-\s+)?[A-Za-z_]\w*", body):
        return f"put ':' after '{shown(body.lstrip('- '))}'"
    spaced = re.fullmatch(r"(?:-\s+)?([A-Za-z_]\w*)\s+(\S.*)", body)
    if spaced and spaced.group(1) in keys:  # 'reps 2'
        key, value = spaced.groups()
        return f"add a ':' after '{key}': '{key}: {shown(value)}'"
    return (f"'{shown(body)}' is not a 'key: value' line; if it continues the text above, "
            "make that text a list with each line starting with '- '")


def _colon_in_text_hint() -> str:
    return "text containing ': ' must be in quotes"


def quoted(value: str) -> str:
    """Text in the quotes that keep it text: double quotes, or single ones if it has a double quote."""
    value = value.strip()
    if '"' not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _needs_quotes(line: str, column: int) -> str | None:
    """Advice when the text of a 'key: text' pair on this line needs quotes."""
    # The pair the parser stopped in: in the { } form, the last 'key: ' before the column.
    starts = [m for m in re.finditer(r"(?:^\s*(?:-\s+)?|[{,]\s*)([A-Za-z_]\w*):\s+", line) if m.end() <= column + 1]
    if not starts:
        return None
    pair = starts[-1]
    key = shown(pair.group(1))
    rest = line[pair.end():]
    inside = line[: pair.start() + 1].count("{") > line[: pair.start() + 1].count("}")  # in { ... }
    if inside:
        end = re.search(r",\s*[A-Za-z_]\w*:\s", rest) or re.search(r"}\s*$", rest)
        value = rest[: end.start()].strip() if end else rest.strip()
        if value and value[0] not in "'\"" and any(mark in value for mark in "{}[]"):
            return (f"in the short {{say: ..., seconds: ...}} form, text with '{{' or '[' in it must be in quotes: "
                    f"{key}: {quoted(shown(value, 60))}")
    else:
        value = re.sub(r"\s+#.*$", "", rest)
    value = value.strip()
    if not value:
        return None
    if value[0] in "{" and re.match(r"\{\s*(side|other_side)\s*\}", value, re.IGNORECASE):
        return f"text that starts with '{{' must be in quotes: {key}: {quoted(shown(value, 60))}"
    if value[0] == "'" and value.count("'") > 2:
        inner = value[1:-1] if value.endswith("'") else value[1:]
        return f"text with an apostrophe must be in double quotes: {key}: \"{shown(inner, 60)}\""
    if value[0] == '"' and value.count('"') > 2:
        inner = value[1:-1] if value.endswith('"') else value[1:]
        return f"text with \" inside it must be in single quotes: {key}: '{shown(inner, 60)}'"
    if value[0] in "*&!|>@`%":
        return f"text cannot start with '{value[0]}' unless it is in quotes: {key}: {quoted(shown(value, 60))}"
    if ": " in value or value.endswith(":"):
        return f"text containing ': ' must be in quotes: {key}: {quoted(shown(value, 60))}"
    return None


def _content(lines: list[str], before: int) -> list[tuple[int, str]]:
    """The lines before `before` that hold something (not blank, not only a comment), nearest first."""
    return [(i, lines[i]) for i in range(before - 1, -1, -1)
            if lines[i].strip() and not lines[i].lstrip().startswith("#")]


def _parts(line: str) -> tuple[int, bool, int, str | None]:
    """(column of the line, whether it starts with '- ', column of its key, the key)."""
    column = len(line) - len(line.lstrip(" "))
    body = line[column:]
    dash = body == "-" or body.startswith("- ")
    key_column = column
    if dash:
        after = body[1:]
        key_column = column + 1 + len(after) - len(after.lstrip(" "))
        body = after.lstrip(" ")
    match = re.match(r"([A-Za-z_][\w ]*?)\s*:(\s|$)", body)
    return column, dash, key_column, match.group(1) if match else None


def _indentation(lines: list[str], index: int) -> str | None:
    """Advice for a line indented differently from the lines it belongs with, or None."""
    column, dash, key_column, key = _parts(lines[index])
    before = _content(lines, index)
    if not before:
        return None
    parsed = [(i, _parts(line)) for i, line in before]
    name = f"'- {shown(key)}'" if dash and key else (f"'{shown(key)}'" if key else "this line")
    if dash:
        candidates = [(i, c) for i, (c, d, _, _) in parsed if d]
    else:
        candidates = [(i, kc) for i, (_, _, kc, k) in parsed if k]
        # A key where the '- ' of a list item above is: the dash of a new item is missing.
        dashes = {c for _, (c, d, _, _) in parsed if d}
        if key in ITEM_KEYS and column in dashes:
            return (f"a new {ITEM_KEYS[key]} needs '- ' before '{key}': write "
                    f"'- {key}:' with the '-' where '{key}' starts now")
    if not candidates:
        return None
    line, target = min(candidates, key=lambda item: (abs(item[1] - column), index - item[0]))
    if target == column:
        return None
    other_column, other_dash, _, other_key = _parts(lines[line])
    other = (f"'- {shown(other_key)}'" if other_dash and dash and other_key
             else f"'{shown(other_key)}'" if other_key else "the line")
    spaces = abs(column - target)
    way = "further right" if column > target else "further left"
    return (f"{name} starts {spaces} space{'' if spaces == 1 else 's'} {way} than {other} on line {line + 1}; "
            "lines that belong together must start in the same column")
