-- Medians of insert-probe.sql's runs (`\ir` after them).
\set QUIET off
SELECT variant, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_us_per_row)::numeric, 2) AS cpu_us_median, array_agg(round(cpu_us_per_row, 2)) AS cpu_us_runs,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wal_b_per_row)::numeric) AS wal_b_median, array_agg(round(wal_b_per_row)) AS wal_runs FROM results GROUP BY variant ORDER BY 1;
