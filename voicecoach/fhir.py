"""The report as HL7 FHIR R4 (`voicecoach report --format fhir`): a Bundle of type collection, as
plain JSON data (no FHIR library at run time; the tests validate it with fhir.resources' models).

- The program: a ServiceRequest (intent plan: a home program, not a clinician's order), SNOMED CT
  229065009 "Exercise therapy" as the HL7 Physical Activity IG codes exercise prescriptions, with
  its timing when it is a level of the plan (Timing.repeat: 3 a week, or the weekdays).
- Each session: a Procedure (same code; performedPeriod its start and end; completed, or stopped
  with the reason: SNOMED CT 22253000 "Pain" when stopped for pain), basedOn the ServiceRequest; when
  the time it sounded is not its period's (a pause, a stop for pain), an Observation of that time
  (LOINC 55411-3 "Exercise duration", in seconds: the history's milliseconds exactly).
- Each pain answer: an Observation, LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating
  [Score] - Reported", valueInteger as given, at the session's start (before) or end (after),
  marked before or after exercise with the Vital Signs IG's ExerciseAssociationExt (SNOMED CT
  307166007 / 255214003), partOf the session's Procedure.
- The next morning's answer: an Observation in words only (no standard code says "back better,
  same or worse the next morning"; none is invented).
- The patient: a bare reference, "Patient/ID" or a name (display only): voicecoach keeps no one's
  identity. No profile is claimed: the patterns and codes are borrowed, not conformed to.
Ids are uuid5 of the session's start and role, so the same history gives the same bundle."""

from __future__ import annotations

import re
import uuid
from typing import Any

from voicecoach.history import FINISHED, HURT, INTERRUPTED, QUIT, Record, how_it_ended

LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
PAIN_CODE = {"system": LOINC, "code": "72514-3", "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
DURATION_CODE = {"system": LOINC, "code": "55411-3", "display": "Exercise duration"}
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
PAIN_REASON = {"system": SNOMED, "code": "22253000", "display": "Pain"}
EXERCISE_ASSOCIATION = "http://hl7.org/fhir/us/vitals/StructureDefinition/ExerciseAssociationExt"
PHASES = {"before": {"system": SNOMED, "code": "307166007", "display": "Before exercise"},
          "after": {"system": SNOMED, "code": "255214003", "display": "After exercise"}}
PHYSICAL_ACTIVITY = {"system": "http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes",
                     "code": "PhysicalActivity", "display": "Physical Activity"}
SURVEY = {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey", "display": "Survey"}
_NAMESPACE = uuid.UUID("6f1c2a52-9d6b-5b8e-a0c4-6a1f0f0b7c11")  # voicecoach's, for uuid5
_PATIENT_ID = re.compile(r"Patient/[A-Za-z0-9\-.]{1,64}")


def patient_reference(patient: str | None) -> dict[str, Any]:
    """'Patient/123' as a reference; any other words as the patient's name (display); none: only
    the words "voicecoach's user"."""
    text = (patient or "").strip()
    if _PATIENT_ID.fullmatch(text):
        return {"reference": text}
    return {"type": "Patient", "display": text} if text else {"display": "voicecoach's user"}


def _id(*parts: Any) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(part) for part in parts)))


def _timing(schedule: Any) -> dict[str, Any]:
    if schedule.weekdays:
        from voicecoach.plan import WEEKDAYS  # FHIR's days of week are the plan file's: mon ... sun

        repeat = {"dayOfWeek": [WEEKDAYS[day] for day in schedule.weekdays]}
    else:
        repeat = {"frequency": schedule.per_week, "period": 1, "periodUnit": "wk"}
    return {"repeat": repeat, "code": {"text": schedule.describe()}}


def _status(entry: Record) -> dict[str, Any]:
    if entry.ending == FINISHED:
        return {"status": "completed"}
    if entry.ending == HURT:
        where = entry.hurt.name if entry.hurt is not None else entry.stopped_name
        return {"status": "stopped", "statusReason": {"coding": [PAIN_REASON], "text": f"Stopped for pain at {where}"}}
    why = {QUIT: "Stopped by the user", INTERRUPTED: "Stopped by the user (interrupted)"}.get(
        entry.ending, f"Stopped ({entry.ending})")
    return {"status": "stopped", "statusReason": {"text": why}}


def bundle(report: Any, patient: str | None = None) -> dict[str, Any]:
    """The FHIR R4 Bundle of `report` (report.Report): its sessions and their answers, and each
    program they did as a ServiceRequest, for `patient` (patient_reference)."""
    subject = patient_reference(patient)
    entries: list[dict[str, Any]] = []

    def add(resource: dict[str, Any]) -> str:
        url = f"urn:uuid:{resource['id']}"
        entries.append({"fullUrl": url, "resource": resource})
        return url

    schedules = dict(report.schedules)
    requests: dict[str, str] = {}
    for entry in report.sessions:
        if entry.program in requests:
            continue
        request = {"resourceType": "ServiceRequest", "id": _id("program", entry.program), "status": "active",
                   "intent": "plan", "category": [{"coding": [PHYSICAL_ACTIVITY]}],
                   "code": {"coding": [EXERCISE_THERAPY], "text": entry.title}, "subject": subject,
                   "patientInstruction": f"{entry.title}, played by voicecoach ({entry.program})."}
        if entry.program in schedules:
            request["occurrenceTiming"] = _timing(schedules[entry.program])
        requests[entry.program] = add(request)
    for entry in report.sessions:
        key = entry.started.isoformat()
        done = f"{entry.completed} of {entry.exercises} exercises done"
        procedure = {"resourceType": "Procedure", "id": _id("session", key, entry.program),
                     **_status(entry), "category": {"coding": [PHYSICAL_ACTIVITY]},
                     "code": {"coding": [EXERCISE_THERAPY], "text": entry.title},
                     "subject": subject, "basedOn": [{"reference": requests[entry.program]}],
                     "performedPeriod": {"start": entry.started.isoformat(), "end": entry.ended.isoformat()},
                     "outcome": {"text": f"{how_it_ended(entry)}; {done}"},
                     "note": [{"text": f"{entry.kind} session in {entry.settings.language}, pace {entry.settings.pace:g}"
                               + (f"; left out because they hurt before: {', '.join(entry.left_out)}"
                                  if entry.left_out else "")}]}
        session = add(procedure)
        span_ms = round((entry.ended - entry.started).total_seconds() * 1000)
        if entry.listened_ms != span_ms:  # paused, or stopped early: the time it sounded is not the period's
            add({"resourceType": "Observation", "id": _id("listened", key, entry.program), "status": "final",
                 "code": {"coding": [DURATION_CODE]}, "subject": subject, "partOf": [{"reference": session}],
                 "effectiveDateTime": entry.ended.isoformat(),
                 "valueQuantity": {"value": entry.listened_ms / 1000, "system": "http://unitsofmeasure.org",
                                   "code": "s"}})
        for phase, value, when in (("before", entry.pain_before, entry.started), ("after", entry.pain_after, entry.ended)):
            if value is None:
                continue
            add({"resourceType": "Observation", "id": _id("pain", phase, key, entry.program),
                 "extension": [{"url": EXERCISE_ASSOCIATION, "valueCodeableConcept": {"coding": [PHASES[phase]]}}],
                 "partOf": [{"reference": session}], "status": "final", "category": [{"coding": [SURVEY]}],
                 "code": {"coding": [PAIN_CODE]}, "subject": subject, "effectiveDateTime": when.isoformat(),
                 "valueInteger": value})
        if entry.next_morning is not None:
            add({"resourceType": "Observation", "id": _id("morning", key, entry.program), "status": "final",
                 "category": [{"coding": [SURVEY]}],
                 "code": {"text": "The back the morning after the session, compared with before it"},
                 "subject": subject, "partOf": [{"reference": session}],
                 "effectiveDateTime": entry.ended.isoformat(), "valueCodeableConcept": {"text": entry.next_morning},
                 "note": [{"text": "Asked at the start of the next session; the time is the session's end"}]})
    return {"resourceType": "Bundle", "id": _id("bundle", report.made.isoformat()), "type": "collection",
            "timestamp": report.made.isoformat(timespec="seconds"), "entry": entries}
