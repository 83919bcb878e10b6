"""The report as an HL7 FHIR R4 Bundle (voicecoach/fhir.py): validated by fhir.resources' models
(R4B, whose elements for these resources are R4's), checked for what the models leave out (value
sets, whole-number ratings, references that resolve), and holding every number of the history."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest

fhir = pytest.importorskip("fhir.resources.R4B.bundle", reason="fhir.resources (a dev dependency) is not installed")

TODAY = date.today()
PAIN = "72514-3"
OBSERVATION_STATUS = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error",
                      "unknown"}
EVENT_STATUS = {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error",
                "unknown"}
REQUEST_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
REQUEST_INTENT = {"proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order",
                  "instance-order", "option"}
UNITS_OF_TIME = {"s", "min", "h", "d", "wk", "mo", "a"}


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def validate(bundle: dict) -> None:
    """fhir.resources' models, each resource on its own too; then what the models do not check."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    assert bundle["type"] == "collection"
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls) and all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", url) for url in urls)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        kind = resource["resourceType"]
        if kind == "Observation":
            assert resource["status"] in OBSERVATION_STATUS
            if resource["code"].get("coding", [{}])[0].get("code") == PAIN:
                value = resource["valueInteger"]
                assert type(value) is int and 0 <= value <= 10
        elif kind == "Procedure":
            assert resource["status"] in EVENT_STATUS
        elif kind == "ServiceRequest":
            assert resource["status"] in REQUEST_STATUS and resource["intent"] in REQUEST_INTENT
            repeat = resource.get("occurrenceTiming", {}).get("repeat", {})
            assert repeat.get("periodUnit", "wk") in UNITS_OF_TIME
    for reference in re.findall(r'"reference": "(urn:uuid:[^"]+)"', json.dumps(bundle)):
        assert reference in urls, f"dangling reference {reference}"


def resources(bundle: dict, kind: str) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == kind]


@pytest.fixture
def history(run):
    rows = [(9, "beginning", 3, 2, "better", None), (7, "beginning", 4, 7, "worse", "Heel slides"),
            (4, "intermediate", 2, 2, None, None), (1, "beginning", 0, 1, None, None)]
    for ago, program, before, after, morning, hurt in rows:
        args = ["log", program, "--date", days_ago(ago), "--pain-before", str(before), "--pain-after", str(after)]
        args += ["--next-morning", morning] if morning else []
        args += ["--hurt", hurt] if hurt else []
        assert run(*args).exit_code == 0
    from dataclasses import replace

    from voicecoach.history import QUIT, record, sessions

    logged = sessions()[0]  # a play quit in its second exercise, with no pain answers (not asked)
    record(replace(logged, kind="play", ending=QUIT, place="exercise", completed=1, stopped_index=1,
                   stopped_name="Heel slides", pain_before=None, pain_after=None, next_morning=None, hurt=None,
                   started=logged.started + timedelta(hours=5), ended=logged.ended + timedelta(hours=5),
                   listened_ms=61_234))

    return list(reversed(sessions()))


def test_the_bundle_validates_and_keeps_every_number_of_the_history(run, tmp_path, history):
    assert run("plan", "start").exit_code == 0
    target = tmp_path / "bundle.json"
    done = run("report", "--format", "fhir", "-o", str(target), "--patient", "Patient/123")
    assert done.exit_code == 0 and done.stdout == f"Wrote {target}: FHIR R4 Bundle, 5 sessions.\n", done.output
    bundle = json.loads(target.read_text(encoding="utf-8"))
    validate(bundle)
    procedures = resources(bundle, "Procedure")
    assert len(procedures) == len(history)
    by_start = {datetime.fromisoformat(p["performedPeriod"]["start"]): p for p in procedures}
    pains = [o for o in resources(bundle, "Observation") if o["code"].get("coding", [{}])[0].get("code") == PAIN]
    durations = [o for o in resources(bundle, "Observation") if o["code"].get("coding", [{}])[0].get("code") == "55411-3"]
    urls = {entry["resource"]["id"]: entry["fullUrl"] for entry in bundle["entry"]}
    for entry in history:
        procedure = by_start[entry.started]
        assert datetime.fromisoformat(procedure["performedPeriod"]["end"]) == entry.ended
        assert procedure["status"] == ("completed" if entry.ending == "finished" else "stopped")
        assert procedure["subject"] == {"reference": "Patient/123"}
        session_url = urls[procedure["id"]]
        mine = [o for o in pains if o["partOf"] == [{"reference": session_url}]]
        expected = [(phase, value) for phase, value in (("before", entry.pain_before), ("after", entry.pain_after))
                    if value is not None]
        got = [(o["extension"][0]["valueCodeableConcept"]["coding"][0]["display"].split()[0].lower(), o["valueInteger"])
               for o in mine]
        assert got == expected
        for observation in mine:
            when = datetime.fromisoformat(observation["effectiveDateTime"])
            assert when == (entry.started if "Before" in observation["extension"][0]["valueCodeableConcept"]["coding"]
                            [0]["display"] else entry.ended)
        listened = [round(o["valueQuantity"]["value"] * 1000) for o in durations
                    if o["partOf"] == [{"reference": session_url}]]
        span = round((entry.ended - entry.started).total_seconds() * 1000)
        # the time it sounded: the period's when that is it, else an Observation of it, exactly
        assert listened == ([] if entry.listened_ms == span else [entry.listened_ms])
    assert len(durations) == 2  # the play quit (61.234 s listened) and the stop for pain, not their periods
    stopped = by_start[history[1].started]
    assert stopped["statusReason"]["coding"][0]["code"] == "22253000"
    assert stopped["statusReason"]["text"] == "Stopped for pain at Heel slides"
    requests = resources(bundle, "ServiceRequest")
    assert sorted(r["code"]["text"] for r in requests) == sorted({entry.title for entry in history})
    beginning = next(r for r in requests if r["code"]["text"] == "Beginning back exercise program")
    assert beginning["occurrenceTiming"]["repeat"] == {"frequency": 3, "period": 1, "periodUnit": "wk"}
    mornings = [o for o in resources(bundle, "Observation") if "valueCodeableConcept" in o]
    assert sorted(o["valueCodeableConcept"]["text"] for o in mornings) == ["better", "worse"]


def test_a_patients_name_is_a_display_only_reference_and_no_history_is_an_empty_bundle(run):
    empty = json.loads(run("report", "--format", "fhir", "--patient", "Anna Example").stdout)
    validate(empty) if empty["entry"] else None
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(empty)
    assert empty["entry"] == [] and empty["type"] == "collection"
    from voicecoach.fhir import patient_reference

    assert patient_reference("Anna Example") == {"type": "Patient", "display": "Anna Example"}
    assert patient_reference("Patient/abc-1") == {"reference": "Patient/abc-1"}
    assert patient_reference(None) == {"display": "voicecoach's user"}


def test_the_validation_can_fail():
    """The checks above reject what fhir.resources alone lets through, and it rejects bad types."""
    from pydantic import ValidationError

    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{
        "fullUrl": "urn:uuid:00000000-0000-0000-0000-000000000001",
        "resource": {"resourceType": "Observation", "id": "00000000-0000-0000-0000-000000000001", "status": "final",
                     "code": {"coding": [{"system": "http://loinc.org", "code": PAIN}]}, "valueInteger": 3}}]}
    validate(bundle)
    for change, error in [({"valueInteger": "three"}, ValidationError), ({"valueInteger": 11}, AssertionError),
                          ({"status": "finished"}, AssertionError),
                          ({"partOf": [{"reference": "urn:uuid:00000000-0000-0000-0000-000000000009"}]}, AssertionError)]:
        broken = json.loads(json.dumps(bundle))
        broken["entry"][0]["resource"].update(change)
        with pytest.raises(error):
            validate(broken)


def test_the_same_history_gives_the_same_ids(run, history):
    first = json.loads(run("report", "--format", "fhir").stdout)
    second = json.loads(run("report", "--format", "fhir").stdout)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
