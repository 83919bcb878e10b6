"""A program on paper (`voicecoach handout`): every fact of the program, in its language, as a
document of blocks that paper.py lays out as a PDF or an HTML page. Nothing here draws or writes:
the handout is data, made from the program alone, so that what is printed is what is played.

The labels around the program's own words ("Starting position", "Repetitions") are in the
program's language for the four shipped languages, in English otherwise."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.program import (
    REMINDER_EACH_REP,
    REMINDER_EACH_SIDE,
    REMINDER_ONCE,
    Exercise,
    Hold,
    Move,
    Program,
    Text,
    said,
)

# The words printed around the program's own (the program's language; English when not shipped).
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "safety": "Before you start", "exercise": "Exercise {number} of {total}",
        "position": "Starting position", "steps": "What to do", "each_rep": "Each repetition",
        "reps": "Repetitions", "reps_value": "{reps}", "reps_each_side": "{reps} on each side",
        "hold": "Hold {seconds}\u00a0s", "hold_range": "Hold {low} to {high}\u00a0s", "move": "{say} ({seconds}\u00a0s)",
        "rest_between": "Rest between repetitions", "rest_after": "Rest afterwards",
        "setup": "Time to get into position", "switch_setup": "Time to change sides",
        "seconds": "{seconds}\u00a0s", "reminder": "Remember", "said_once": "said once",
        "said_each_side": "said on each side", "said_each_rep": "said at every repetition",
        "wait": "Before it, the session waits until you are ready: press play.",
        "left": "Left", "right": "Right",
        "play": "Scan, or type this command, to play this session:",
        "audio": "Scan to listen to this session:", "page": "Page {page}",
    },
    "de": {
        "safety": "Bevor Sie beginnen", "exercise": "Übung {number} von {total}",
        "position": "Ausgangsstellung", "steps": "Ablauf", "each_rep": "Jede Wiederholung",
        "reps": "Wiederholungen", "reps_value": "{reps}", "reps_each_side": "{reps} auf jeder Seite",
        "hold": "{seconds}\u00a0s halten", "hold_range": "{low} bis {high}\u00a0s halten", "move": "{say} ({seconds}\u00a0s)",
        "rest_between": "Pause zwischen den Wiederholungen", "rest_after": "Pause danach",
        "setup": "Zeit für die Ausgangsstellung", "switch_setup": "Zeit für den Seitenwechsel",
        "seconds": "{seconds}\u00a0s", "reminder": "Denken Sie daran", "said_once": "einmal gesagt",
        "said_each_side": "auf jeder Seite gesagt", "said_each_rep": "bei jeder Wiederholung gesagt",
        "wait": "Davor wartet die Einheit, bis Sie bereit sind: Drücken Sie Play.",
        "left": "Links", "right": "Rechts",
        "play": "Scannen Sie den Code oder geben Sie diesen Befehl ein, um die Einheit abzuspielen:",
        "audio": "Scannen Sie den Code, um die Einheit anzuhören:", "page": "Seite {page}",
    },
    "es": {
        "safety": "Antes de empezar", "exercise": "Ejercicio {number} de {total}",
        "position": "Posición inicial", "steps": "Qué hacer", "each_rep": "Cada repetición",
        "reps": "Repeticiones", "reps_value": "{reps}", "reps_each_side": "{reps} en cada lado",
        "hold": "Mantenga {seconds}\u00a0s", "hold_range": "Mantenga de {low} a {high}\u00a0s", "move": "{say} ({seconds}\u00a0s)",
        "rest_between": "Descanso entre repeticiones", "rest_after": "Descanso después",
        "setup": "Tiempo para colocarse", "switch_setup": "Tiempo para cambiar de lado",
        "seconds": "{seconds}\u00a0s", "reminder": "Recuerde", "said_once": "se dice una vez",
        "said_each_side": "se dice en cada lado", "said_each_rep": "se dice en cada repetición",
        "wait": "Antes, la sesión espera hasta que usted esté listo: pulse play.",
        "left": "Izquierda", "right": "Derecha",
        "play": "Escanee el código, o escriba esta orden, para reproducir la sesión:",
        "audio": "Escanee el código para escuchar la sesión:", "page": "Página {page}",
    },
    "fr": {
        "safety": "Avant de commencer", "exercise": "Exercice {number} sur {total}",
        "position": "Position de départ", "steps": "Ce qu’il faut faire", "each_rep": "Chaque répétition",
        "reps": "Répétitions", "reps_value": "{reps}", "reps_each_side": "{reps} de chaque côté",
        "hold": "Maintenez {seconds}\u00a0s", "hold_range": "Maintenez de {low} à {high}\u00a0s",
        "move": "{say} ({seconds}\u00a0s)",
        "rest_between": "Repos entre les répétitions", "rest_after": "Repos ensuite",
        "setup": "Temps pour se mettre en position", "switch_setup": "Temps pour changer de côté",
        "seconds": "{seconds}\u00a0s", "reminder": "N’oubliez pas", "said_once": "dit une fois",
        "said_each_side": "dit de chaque côté", "said_each_rep": "dit à chaque répétition",
        "wait": "Avant, la séance attend que vous soyez prêt : appuyez sur lecture.",
        "left": "Gauche", "right": "Droite",
        "play": "Scannez le code, ou tapez cette commande, pour lancer la séance :",
        "audio": "Scannez le code pour écouter la séance :", "page": "Page {page}",
    },
}
_DECIMAL_COMMA = {"de", "es", "fr"}
_SAID = {REMINDER_ONCE: "said_once", REMINDER_EACH_SIDE: "said_each_side", REMINDER_EACH_REP: "said_each_rep"}


def labels_for(language: str) -> dict[str, str]:
    return LABELS.get(language.split("-")[0].lower(), LABELS["en"])


@dataclass(frozen=True)
class Fact:
    """A labelled fact of an exercise ("Repetitions": "10 on each side")."""

    label: str
    value: str


@dataclass(frozen=True)
class Sheet:
    """One exercise as printed: kept on one page."""

    heading: str  # "Exercise 1 of 6"
    name: str
    position: tuple[str, ...]
    steps: tuple[str, ...]
    each_rep: tuple[str, ...]  # the movement's cues and holds in order, with their seconds
    facts: tuple[Fact, ...]
    reminder: str | None  # with how often it is said
    waits: str | None  # the session waits for the listener before this exercise


@dataclass(frozen=True)
class Handout:
    title: str
    language: str
    intro: tuple[str, ...]
    safety_heading: str
    safety: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    link: str  # what the QR code holds: the play command, or the exported audio's address
    link_caption: str
    page_label: str  # "Page {page}"
    labels: dict[str, str]  # the printed words around the program's (LABELS)


def seconds_text(seconds: float, language: str) -> str:
    """A number of seconds as printed: 5, 1.5 (1,5 in German, Spanish and French)."""
    text = f"{seconds:g}"
    return text.replace(".", ",") if language.split("-")[0].lower() in _DECIMAL_COMMA else text


def _lines(texts: tuple[Text, ...], words: dict[str, str], sides: dict[str, str]) -> tuple[str, ...]:
    """The program's lines; a line said differently on each side printed once for each."""
    out: list[str] = []
    for text in texts:
        if isinstance(text, str):
            out.append(text)
            continue
        left, right = said(text, "left", sides), said(text, "right", sides)
        out.extend([left] if left == right else [f"{words['left']}: {left}", f"{words['right']}: {right}"])
    return tuple(out)


def _phase(phase: Move | Hold, words: dict[str, str], sides: dict[str, str], language: str) -> str:
    if isinstance(phase, Hold):
        if phase.min_seconds is not None:
            return words["hold_range"].format(low=seconds_text(phase.min_seconds, language),
                                              high=seconds_text(phase.seconds, language))
        return words["hold"].format(seconds=seconds_text(phase.seconds, language))
    cue = phase.say
    text = cue if isinstance(cue, str) else " / ".join(dict.fromkeys((said(cue, "left", sides), said(cue, "right", sides))))
    return words["move"].format(say=text, seconds=seconds_text(phase.seconds, language))


def sheet(exercise: Exercise, number: int, total: int, language: str, sides: dict[str, str]) -> Sheet:
    words = labels_for(language)
    reps = str(exercise.reps)
    facts = [Fact(words["reps"], words["reps_each_side" if exercise.each_side else "reps_value"].format(reps=reps))]
    if exercise.reps > 1:
        facts.append(Fact(words["rest_between"], words["seconds"].format(
            seconds=seconds_text(exercise.rest_between_reps_s, language))))
    facts.append(Fact(words["rest_after"], words["seconds"].format(seconds=seconds_text(exercise.rest_after_s, language))))
    facts.append(Fact(words["setup"], words["seconds"].format(seconds=seconds_text(exercise.setup_s, language))))
    if exercise.each_side:
        facts.append(Fact(words["switch_setup"], words["seconds"].format(
            seconds=seconds_text(exercise.switch_setup_s, language))))
    reminder = None
    if exercise.reminder is not None:
        text = " / ".join(_lines((exercise.reminder,), words, sides))
        reminder = f"{text} ({words[_SAID[exercise.reminder_said]]})"
    return Sheet(heading=words["exercise"].format(number=number, total=total), name=exercise.name,
                 position=_lines(exercise.position, words, sides), steps=_lines(exercise.instructions, words, sides),
                 each_rep=tuple(_phase(phase, words, sides, language) for phase in exercise.movement),
                 facts=tuple(facts), reminder=reminder, waits=words["wait"] if exercise.wait_for_me else None)


def play_command(spec: str) -> str:
    """The command line that plays the program, as the handout prints it and its QR code holds."""
    import shlex

    return f"voicecoach play {shlex.quote(spec)}"


def handout(program: Program, spec: str, audio_url: str | None = None,
            sides: dict[str, str] | None = None) -> Handout:
    """The handout of `program` (named `spec` by the user); its QR code holds the play command, or
    `audio_url` when given. `sides`: the language's words for left and right (its phrasebook's),
    filling the lines said by side."""
    words = labels_for(program.language)
    sides = sides or {"left": words["left"].lower(), "right": words["right"].lower()}
    total = len(program.exercises)
    return Handout(
        title=program.title, language=program.language, intro=program.intro,
        safety_heading=words["safety"], safety=program.safety,
        sheets=tuple(sheet(exercise, number, total, program.language, sides)
                     for number, exercise in enumerate(program.exercises, 1)),
        link=audio_url if audio_url else play_command(spec),
        link_caption=words["audio" if audio_url else "play"], page_label=words["page"], labels=words)
