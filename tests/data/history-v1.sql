-- voicecoach history, schema version 1 (PRAGMA user_version = 1), as tests/data/history-v1.db holds it
BEGIN TRANSACTION;
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('play', 'export')),
    started TEXT NOT NULL,          -- ISO 8601, UTC
    ended TEXT NOT NULL,
    program TEXT NOT NULL,          -- how to load it again: a built-in's name or a file's absolute path
    title TEXT NOT NULL,
    program_hash TEXT NOT NULL,     -- of its content: an edited file is a new program
    settings TEXT NOT NULL,         -- JSON: pace, quiet_holds, language, engine, voice, rate_wpm, volume
    only TEXT NOT NULL,             -- JSON list: the --only exercises
    exercises INTEGER NOT NULL,     -- in the session
    start_index INTEGER NOT NULL,   -- the exercise it started at (0-based; --from, --resume)
    completed INTEGER NOT NULL,     -- exercises heard to their end
    place TEXT NOT NULL CHECK (place IN ('opening', 'exercise', 'closing')),  -- where it stopped
    stopped_index INTEGER,          -- the exercise it stopped in (0-based), with place 'exercise'
    stopped_name TEXT,
    position_ms INTEGER NOT NULL,   -- where it stopped on the session's timeline
    length_ms INTEGER NOT NULL,     -- the session's whole length
    listened_ms INTEGER NOT NULL,   -- time it sounded, pauses not counted
    ending TEXT NOT NULL,
    resumes INTEGER REFERENCES sessions (id),  -- the session this one went on from
    output TEXT                     -- an export's file
);
INSERT INTO "sessions" VALUES(1,'play','2026-11-20T07:30:00.000+00:00','2026-11-20T07:45:30.000+00:00','beginning','Beginning back exercise program','5c1b7e0a9d3f2e41','{"engine": "piper", "language": null, "music": null, "music_level_db": -18.0, "pace": 1.0, "quiet_holds": false, "rate_wpm": 150, "voice": null, "volume": 1.0}','[]',6,0,6,'closing',NULL,NULL,930000,934004,930000,'finished',NULL,NULL);
INSERT INTO "sessions" VALUES(2,'play','2026-11-21T07:30:00.000+00:00','2026-11-21T07:36:00.000+00:00','beginning','Beginning back exercise program','5c1b7e0a9d3f2e41','{"engine": "piper", "language": null, "music": null, "music_level_db": -18.0, "pace": 1.0, "quiet_holds": false, "rate_wpm": 150, "voice": null, "volume": 1.0}','[]',6,0,2,'exercise',2,'Abdominal contraction',360000,934004,360000,'quit',NULL,NULL);
INSERT INTO "sessions" VALUES(3,'export','2026-11-22T07:30:00.000+00:00','2026-11-22T07:30:06.000+00:00','beginning','Beginning back exercise program','5c1b7e0a9d3f2e41','{"engine": "piper", "language": null, "music": null, "music_level_db": -18.0, "pace": 1.0, "quiet_holds": false, "rate_wpm": 150, "voice": null, "volume": 1.0}','[]',6,0,6,'closing',NULL,NULL,0,934004,0,'exported',NULL,'/home/ana/beginning.mp3');
INSERT INTO "sessions" VALUES(4,'play','2026-11-23T07:30:00.000+00:00','2026-11-23T07:30:30.000+00:00','beginning','Beginning back exercise program','5c1b7e0a9d3f2e41','{"engine": "piper", "language": null, "music": null, "music_level_db": -18.0, "pace": 1.0, "quiet_holds": false, "rate_wpm": 150, "voice": null, "volume": 1.0}','[]',6,0,0,'opening',NULL,NULL,30000,934004,30000,'interrupted',NULL,NULL);
INSERT INTO "sessions" VALUES(5,'play','2026-11-24T07:30:00.000+00:00','2026-11-24T07:34:00.000+00:00','beginning','Beginning back exercise program','5c1b7e0a9d3f2e41','{"engine": "espeak", "language": "de", "music": null, "music_level_db": -18.0, "pace": 0.8, "quiet_holds": false, "rate_wpm": 150, "voice": null, "volume": 1.0}','[]',6,0,1,'exercise',1,'Heel slides',240000,934004,240000,'failed',NULL,NULL);
INSERT INTO "sessions" VALUES(6,'play','2026-11-25T07:30:00.000+00:00','2026-11-25T07:45:12.000+00:00','beginning','Beginning back exercise program','5c1b7e0a9d3f2e41','{"engine": "piper", "language": null, "music": null, "music_level_db": -18.0, "pace": 1.0, "quiet_holds": false, "rate_wpm": 150, "voice": null, "volume": 1.0}','[]',6,0,6,'closing',NULL,NULL,912000,934004,912000,'finished',2,NULL);
COMMIT;
