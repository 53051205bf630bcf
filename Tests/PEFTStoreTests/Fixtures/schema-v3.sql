-- PEFTLab schema: the contract for everything PEFTLab stores.
--
-- One SQLite file holds datasets, images, cached features, backbones, experiments, runs, checkpoints and
-- metrics. Every result can be queried with plain SQL; the VIEWs at the end make common questions one-liners.
--
-- The `peftlab` binary applies exactly this file to a new database (a test proves its embedded copy equals
-- this file), then sets PRAGMA user_version to the schema version below. Older databases are upgraded by
-- the ordered migrations in Sources/PEFTStore/Schema.swift, never by editing a shipped migration.
--
-- Conventions: times are Unix seconds as REAL (UTC); hashes are lowercase hex SHA-256; JSON columns hold
-- canonical JSON (sorted keys); tensors are little-endian Float32 (or Float16 where a dtype column says so).
--
-- schema-version: 3

-- ───────────────────────────── Data ─────────────────────────────

-- A named collection of examples ingested from one or more manifests.
CREATE TABLE IF NOT EXISTS datasets (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,          -- user-facing name, e.g. 'sarcasm'
    task            TEXT,                          -- 'classification' | 'regression' | 'retrieval' (optional hint)
    description     TEXT,                          -- free text
    created_at      REAL NOT NULL                  -- when the dataset row was created
);

-- One manifest file ingested into a dataset (re-ingesting the same file is recognised by its hash).
CREATE TABLE IF NOT EXISTS manifests (
    id              INTEGER PRIMARY KEY,
    dataset_id      INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    path            TEXT NOT NULL,                 -- manifest path as given on the command line
    sha256          TEXT NOT NULL,                 -- hash of the manifest bytes
    format          TEXT NOT NULL,                 -- 'jsonl' | 'csv' | 'tsv' | 'mmsd2'
    rows_total      INTEGER NOT NULL DEFAULT 0,    -- data rows seen in the manifest
    rows_stored     INTEGER NOT NULL DEFAULT 0,    -- rows that became (new) examples
    rows_duplicate  INTEGER NOT NULL DEFAULT 0,    -- rows already present from an earlier ingest
    rows_quarantined INTEGER NOT NULL DEFAULT 0,   -- rows rejected into `quarantine`
    completed_at    REAL,                          -- NULL while an ingest of this manifest is unfinished
    created_at      REAL NOT NULL,
    UNIQUE (dataset_id, sha256)
);

-- Image files, stored once and addressed by the SHA-256 of their bytes.
CREATE TABLE IF NOT EXISTS images (
    sha256          TEXT PRIMARY KEY,              -- hash of the original file bytes
    format          TEXT NOT NULL,                 -- 'jpeg' | 'png'
    width           INTEGER NOT NULL,              -- decoded width in pixels (after EXIF orientation)
    height          INTEGER NOT NULL,              -- decoded height in pixels (after EXIF orientation)
    byte_count      INTEGER NOT NULL,              -- size of the original file
    bytes           BLOB NOT NULL,                 -- the original file bytes
    created_at      REAL NOT NULL
);

-- Decoded or preprocessed pixels cached per image and preprocessing recipe.
CREATE TABLE IF NOT EXISTS image_tensors (
    image_sha256    TEXT NOT NULL REFERENCES images(sha256) ON DELETE CASCADE,
    preprocess_hash TEXT NOT NULL,                 -- hash of the canonical preprocessing parameters
    dtype           TEXT NOT NULL,                 -- 'uint8' (HWC pixels) | 'float32' | 'float16' (CHW tensor)
    shape           TEXT NOT NULL,                 -- JSON array, e.g. [3,224,224]
    data            BLOB NOT NULL,                 -- little-endian values
    created_at      REAL NOT NULL,
    PRIMARY KEY (image_sha256, preprocess_hash)
);

-- One example: text, optional image, label(s) and split.
CREATE TABLE IF NOT EXISTS examples (
    id              INTEGER PRIMARY KEY,
    dataset_id      INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    source_key      TEXT NOT NULL,                 -- stable id within the dataset (manifest id field or content hash)
    split           TEXT NOT NULL DEFAULT 'train', -- 'train' | 'val' | 'test' | any user split name
    text            TEXT,                          -- raw text (caption, utterance, dialog context)
    token_ids       BLOB,                          -- CLIP BPE ids as little-endian Int32, with start/end tokens
    image_sha256    TEXT REFERENCES images(sha256),-- the example's image, if any
    label           INTEGER,                       -- class index for classification
    score           REAL,                          -- real-valued target for regression
    labels_json     TEXT,                          -- multi-label or structured targets (JSON), if any
    extra_json      TEXT,                          -- other manifest fields kept verbatim (JSON object)
    created_at      REAL NOT NULL,
    UNIQUE (dataset_id, source_key)
);
CREATE INDEX IF NOT EXISTS examples_by_split ON examples(dataset_id, split);

-- Extra modality features of an example (e.g. audio or video frames as a [frames, dims] sequence).
CREATE TABLE IF NOT EXISTS example_features (
    example_id      INTEGER NOT NULL REFERENCES examples(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,                 -- modality name, e.g. 'audio'
    shape           TEXT NOT NULL,                 -- JSON array, e.g. [8,16]
    data            BLOB NOT NULL,                 -- little-endian Float32 values
    PRIMARY KEY (example_id, name)
);

-- Manifest rows that could not be ingested, with where and why. Valid rows of the same batch are kept.
CREATE TABLE IF NOT EXISTS quarantine (
    id              INTEGER PRIMARY KEY,
    dataset_id      INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    file            TEXT NOT NULL,                 -- manifest (or image) path the problem is in
    line            INTEGER,                       -- 1-based manifest line (or array index for JSON)
    field           TEXT,                          -- offending field, if one
    reason          TEXT NOT NULL,                 -- one sentence saying what is wrong
    created_at      REAL NOT NULL,
    UNIQUE (dataset_id, file, line)
);

-- ───────────────────────────── Models ─────────────────────────────

-- A CLIP backbone directory (Hugging Face layout) known to this database.
CREATE TABLE IF NOT EXISTS backbones (
    hash            TEXT PRIMARY KEY,              -- SHA-256 over config.json and model.safetensors
    name            TEXT NOT NULL,                 -- user-facing name (directory name by default)
    path            TEXT NOT NULL,                 -- directory last seen at
    config_json     TEXT NOT NULL,                 -- the config.json text
    parameter_count INTEGER,                       -- total parameters
    created_at      REAL NOT NULL
);

-- Frozen-layer hidden states, computed once per backbone, layer, preprocessing and input.
CREATE TABLE IF NOT EXISTS feature_cache (
    backbone_hash   TEXT NOT NULL,                 -- backbones.hash (not a foreign key: caches may outlive rows)
    tower           TEXT NOT NULL,                 -- 'vision' | 'text'
    layer           INTEGER NOT NULL,              -- hidden state at the INPUT of this layer (0 = embeddings);
                                                   -- -1 = the tower's pooled, projected embedding
    preprocess_hash TEXT NOT NULL,                 -- image preprocessing or tokenizer settings hash
    input_hash      TEXT NOT NULL,                 -- image sha256 or hash of the token ids
    dtype           TEXT NOT NULL,                 -- 'float16' | 'float32'
    shape           TEXT NOT NULL,                 -- JSON array, e.g. [50,768]
    data            BLOB NOT NULL,
    created_at      REAL NOT NULL,
    PRIMARY KEY (backbone_hash, tower, layer, preprocess_hash, input_hash)
);

-- ───────────────────────────── Experiments and runs ─────────────────────────────

-- An experiment spec (experiments/*.yaml) as queued.
CREATE TABLE IF NOT EXISTS experiments (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,          -- the spec's `name:`
    file            TEXT,                          -- path the spec was read from
    yaml            TEXT NOT NULL,                 -- the YAML text as last queued
    yaml_sha256     TEXT NOT NULL,                 -- hash of that text
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);

-- One training run: a grid point × seed with its canonical configuration.
CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY,
    experiment_id   INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    config_hash     TEXT NOT NULL UNIQUE,          -- SHA-256 of config_json: one row per distinct run, ever
    config_json     TEXT NOT NULL,                 -- canonical config (sorted keys, defaults filled)
    grid_json       TEXT NOT NULL DEFAULT '{}',    -- only the values the grid varied, e.g. {"lora.rank":8}
    method          TEXT NOT NULL,                 -- PEFT method name, e.g. 'lora'
    seed            INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,    -- claims that ended in an error the run raised (or still running)
    max_attempts    INTEGER NOT NULL DEFAULT 3,    -- then the run becomes 'failed'
    step            INTEGER NOT NULL DEFAULT 0,    -- last completed training step
    total_steps     INTEGER,                       -- planned steps, when known
    method_params   INTEGER,                       -- parameters the method adds or unfreezes (HF PEFT's trainable count)
    head_params     INTEGER,                       -- parameters of the task head
    trainable_params INTEGER,                      -- method_params + head_params
    total_params    INTEGER,                       -- backbone + method + head: every parameter of the run's model
    expiries        INTEGER NOT NULL DEFAULT 0,    -- leases that expired (worker killed, pre-empted or cut off)
    max_expiries    INTEGER NOT NULL DEFAULT 50,   -- then the run becomes 'failed' (expiries are not the run's errors)
    max_same_step   INTEGER NOT NULL DEFAULT 2,    -- workers dying at the same step this many times in a row fail it
    expiry_step     INTEGER,                       -- step its worker had reached at the last expiry
    same_step_expiries INTEGER NOT NULL DEFAULT 0, -- consecutive expiries at expiry_step
    error           TEXT,                          -- last error text, for failed runs
    queued_at       REAL NOT NULL,
    started_at      REAL,                          -- first claim
    finished_at     REAL                           -- succeeded/failed/cancelled time
);
CREATE INDEX IF NOT EXISTS runs_by_state ON runs(state, id);
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs(experiment_id, state);

-- The current lease on a running run: who holds it and until when. Deleted when released.
CREATE TABLE IF NOT EXISTS leases (
    run_id          INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    worker_id       TEXT NOT NULL,                 -- unique per worker process (host:pid:start)
    host            TEXT NOT NULL,
    pid             INTEGER NOT NULL,
    attempt         INTEGER NOT NULL,              -- runs.attempts at claim time
    claimed_at      REAL NOT NULL,
    heartbeat_at    REAL NOT NULL,
    expires_at      REAL NOT NULL,                 -- claimable again by anyone after this time
    step            INTEGER                        -- training step the worker last reported (heartbeats)
);

-- History of every claim of a run and how it ended.
CREATE TABLE IF NOT EXISTS attempts (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,              -- 1, 2, …
    worker_id       TEXT NOT NULL,
    host            TEXT NOT NULL,
    pid             INTEGER NOT NULL,
    started_at      REAL NOT NULL,
    ended_at        REAL,
    outcome         TEXT CHECK (outcome IN ('succeeded', 'failed', 'released', 'expired', 'cancelled')),
    error           TEXT,                          -- error text when outcome = 'failed'
    UNIQUE (run_id, attempt)
);

-- Training state to resume from: trainable parameters only, optimizer and RNG state, data cursor.
CREATE TABLE IF NOT EXISTS checkpoints (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step            INTEGER NOT NULL,              -- training steps completed
    epoch           INTEGER NOT NULL,
    cursor          INTEGER NOT NULL,              -- batches consumed within the epoch
    parameters      BLOB NOT NULL,                 -- safetensors bytes of the trainable tensors
    optimizer       BLOB NOT NULL,                 -- JSON of the optimizer state (step and Float32 buffers)
    rng             TEXT NOT NULL,                 -- JSON of the RNG state
    best_metric     REAL,                          -- best validation value so far (per the run's target metric)
    is_best         INTEGER NOT NULL DEFAULT 0,    -- 1 for the checkpoint that holds best_metric
    byte_count      INTEGER NOT NULL,              -- size of parameters + optimizer
    created_at      REAL NOT NULL,
    UNIQUE (run_id, step)
);

-- Scalar metrics over training: one value per (run, step, split, name).
CREATE TABLE IF NOT EXISTS metrics (
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step            INTEGER NOT NULL,
    split           TEXT NOT NULL,                 -- 'train' | 'val' | 'test'
    name            TEXT NOT NULL,                 -- e.g. 'loss', 'accuracy', 'f1', 'mae', 'r@1'
    value           REAL NOT NULL,
    PRIMARY KEY (run_id, split, name, step)
) WITHOUT ROWID;

-- Things that happened: warnings, errors, state changes, lease expiries, ingest summaries.
CREATE TABLE IF NOT EXISTS events (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER REFERENCES runs(id) ON DELETE CASCADE,  -- NULL for events not about a run
    level           TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    kind            TEXT NOT NULL,                 -- e.g. 'claimed', 'lease-expired', 'failed', 'ingest'
    message         TEXT NOT NULL,
    created_at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_run ON events(run_id, id);

-- ───────────────────────────── Views (read-only) ─────────────────────────────

-- The last value of each metric of each run, per split.
CREATE VIEW IF NOT EXISTS final_metrics AS
SELECT m.run_id, m.split, m.name, m.value, m.step
FROM metrics AS m
WHERE m.step = (SELECT MAX(m2.step) FROM metrics AS m2
                WHERE m2.run_id = m.run_id AND m2.split = m.split AND m2.name = m.name);

-- One row per run: experiment, state, its config flattened into columns, and final test/val metrics.
CREATE VIEW IF NOT EXISTS results AS
SELECT r.id                                   AS run_id,
       e.name                                 AS experiment,
       r.method                               AS method,
       r.seed                                 AS seed,
       r.state                                AS state,
       r.grid_json                            AS grid,
       json_extract(r.config_json, '$.dataset')          AS dataset,
       json_extract(r.config_json, '$.task')             AS task,
       json_extract(r.config_json, '$.train.lr')         AS lr,
       json_extract(r.config_json, '$.train.epochs')     AS epochs,
       json_extract(r.config_json, '$.train.batch_size') AS batch_size,
       r.step                                 AS steps,
       (SELECT value FROM final_metrics f WHERE f.run_id = r.id AND f.split = 'test' AND f.name = 'accuracy') AS test_accuracy,
       (SELECT value FROM final_metrics f WHERE f.run_id = r.id AND f.split = 'test' AND f.name = 'f1')       AS test_f1,
       (SELECT value FROM final_metrics f WHERE f.run_id = r.id AND f.split = 'test' AND f.name = 'mae')      AS test_mae,
       (SELECT value FROM final_metrics f WHERE f.run_id = r.id AND f.split = 'test' AND f.name = 'r@1')      AS test_r1,
       (SELECT value FROM final_metrics f WHERE f.run_id = r.id AND f.split = 'val'  AND f.name = 'loss')     AS val_loss,
       (SELECT value FROM final_metrics f WHERE f.run_id = r.id AND f.split = 'train' AND f.name = 'loss')    AS train_loss,
       r.finished_at - r.started_at           AS seconds
FROM runs AS r JOIN experiments AS e ON e.id = r.experiment_id;

-- Per experiment and configuration (every setting but the seed): seeds finished and the mean ± sample std of
-- each final test metric. Runs that differ in any setting, in the grid or not, are never averaged together.
CREATE VIEW IF NOT EXISTS leaderboard AS
SELECT e.name                       AS experiment,
       r.method                     AS method,
       MIN(r.grid_json)             AS grid,
       f.name                       AS metric,
       COUNT(*)                     AS seeds,
       AVG(f.value)                 AS mean,
       CASE WHEN COUNT(*) > 1
            THEN sqrt(MAX(0.0, (SUM(f.value * f.value) - COUNT(*) * AVG(f.value) * AVG(f.value)) / (COUNT(*) - 1)))
       END                          AS std,
       MIN(f.value)                 AS min,
       MAX(f.value)                 AS max
FROM runs AS r
JOIN experiments AS e ON e.id = r.experiment_id
JOIN final_metrics AS f ON f.run_id = r.id AND f.split = 'test'
WHERE r.state = 'succeeded'
GROUP BY e.name, json_remove(r.config_json, '$.seed'), f.name;

-- Counts of runs by state per experiment (what `peftlab status` prints).
CREATE VIEW IF NOT EXISTS run_states AS
SELECT e.name AS experiment,
       SUM(r.state = 'queued')    AS queued,
       SUM(r.state = 'running')   AS running,
       SUM(r.state = 'succeeded') AS succeeded,
       SUM(r.state = 'failed')    AS failed,
       SUM(r.state = 'cancelled') AS cancelled,
       COUNT(r.id)                AS total
FROM experiments AS e LEFT JOIN runs AS r ON r.experiment_id = e.id
GROUP BY e.id;

-- Examples per dataset and split, with how many have images, and quarantined rows per dataset.
CREATE VIEW IF NOT EXISTS dataset_summary AS
SELECT d.name AS dataset, x.split AS split, COUNT(*) AS examples,
       SUM(x.image_sha256 IS NOT NULL) AS with_image,
       (SELECT COUNT(*) FROM quarantine q WHERE q.dataset_id = d.id) AS quarantined
FROM datasets AS d JOIN examples AS x ON x.dataset_id = d.id
GROUP BY d.id, x.split;
