-- One row per base table of the public schema: its name, rows, and the md5 of its
-- rows' text in a fixed order (query_to_xml runs the per-table query inside this one).
-- Used by the restore drill (pgbackrest-drill) and the restore's check.
SELECT c.relname AS name,
       (xpath('/row/n/text()', x))[1]::text AS rows,
       (xpath('/row/d/text()', x))[1]::text AS digest
  FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace,
       LATERAL query_to_xml(format(
         'SELECT count(*) AS n, md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), %L)) AS d FROM %I.%I t',
         '', s.nspname, c.relname), false, true, '') AS x
 WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p')
 ORDER BY c.relname
