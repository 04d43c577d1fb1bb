-- The read-mostly workload of `make pgbench` (guest/pg/pgbench-guest): each
-- client sweeps pgbench_accounts by index lookups, one window of :width
-- accounts a transaction, one lookup every :step accounts (:step is the
-- rows a heap page holds, so every heap page and every index leaf is
-- read), starting at its own window (:client_id of :nc clients); after
-- :nwin transactions it has read the whole table and its index: its warm-up
-- sweep. The last client to finish its warm-up sets the end of the run in
-- pgb_run: :spct percent of the time so far (at least :smin s) from then;
-- past it each client stops (pgb_stop() raises an error, which ends a
-- pgbench client), so all of them run until the same moment.
-- Set with -D: i=0 (the client's transaction count), nwin, nc, width,
-- step, smin, spct.
\set w (:client_id * :nwin / :nc + :i) % :nwin
\set i :i + 1
\set a 1 + :w * :width
SELECT sum(abalance), count(*) FROM pgbench_accounts WHERE aid = ANY (ARRAY(SELECT generate_series(:a, :a + :width - 1, :step)));
\if :i = :nwin
UPDATE pgb_run SET warm = warm + 1, deadline = CASE WHEN warm + 1 = :nc THEN clock_timestamp() + greatest(:smin, extract(epoch FROM clock_timestamp() - started) * :spct / 100) * interval '1 s' END;
\endif
SELECT CASE WHEN clock_timestamp() > deadline THEN pgb_stop() ELSE 0 END FROM pgb_run;
