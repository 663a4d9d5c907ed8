SELECT
  `device` AS `device`,
  CAST(TIMESTAMP_TRUNC(`session_date`, WEEK) AS DATE) AS `period`,
  COALESCE(SUM(CASE WHEN converted THEN 1 ELSE 0 END), 0) AS `numerator`,
  COUNT(*) AS `denominator`,
  CAST(COALESCE(SUM(CASE WHEN converted THEN 1 ELSE 0 END), 0) AS FLOAT64) / NULLIF(COUNT(*), 0) AS `value`
FROM `sessions`
WHERE
  `session_date` >= :window_start
  AND `session_date` < :window_end
  AND `region` = :f_region
GROUP BY
  1,
  2
ORDER BY
  1 NULLS LAST,
  2 NULLS LAST
