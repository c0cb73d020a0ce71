"""A minimal terminal: what a screen shows after the control sequences a live display
writes (carriage return, newline, erase line, cursor up; colours and cursor visibility are
dropped). Enough to tell one display redrawn in place from lines written across it."""

import re

_SEQUENCE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\x1b\r\n]+")


def screen(output: str) -> list[str]:
    """Every line the terminal holds at the end (scrolled-off lines included), right-stripped."""
    lines = [""]
    row = column = 0
    for match in _SEQUENCE.finditer(output.replace("\r\n", "\n")):
        token = match.group(0)
        if token == "\r":
            column = 0
        elif token == "\n":
            row, column = row + 1, 0
            if row == len(lines):
                lines.append("")
        elif match.group(2) == "K":  # erase the whole line (rich writes 2K)
            lines[row] = ""
        elif match.group(2) == "A":
            row = max(row - int(match.group(1) or 1), 0)
        elif match.group(2):  # colours, cursor visibility
            continue
        else:
            current = lines[row].ljust(column)
            lines[row] = current[:column] + token + current[column + len(token) :]
            column += len(token)
    return [line.rstrip() for line in lines]
