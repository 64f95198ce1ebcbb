-- Several instances on one database (docs/scaling.md#instances).

-- Each `herald serve` process, by instance id, with its heartbeat. Times come from the
-- database's clock (unix ms), so instances on hosts with skewed clocks agree on who is
-- alive. A lease token starts with the id of the instance holding it ("<instance>.<id>").
CREATE TABLE instances (
    id         TEXT COLLATE "C" PRIMARY KEY,
    role       TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL
);

-- Recent test and validate sends per caller: the per-minute limit counted across
-- instances (rules/ratelimit.rs decides from these).
CREATE TABLE test_sends (
    who TEXT COLLATE "C" NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX test_sends_who ON test_sends (who, at);
