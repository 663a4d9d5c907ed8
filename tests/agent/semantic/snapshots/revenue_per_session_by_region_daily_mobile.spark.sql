WITH `c_revenue` AS (
  SELECT
    `region` AS `region`,
    CAST(`order_date` AS DATE) AS `period`,
    COALESCE(SUM(revenue), 0) AS `value`
  FROM `orders`
  WHERE
    `order_date` >= :window_start
    AND `order_date` < :window_end
    AND `device` = :f_device
  GROUP BY
    1,
    2
), `c_sessions` AS (
  SELECT
    `region` AS `region`,
    CAST(`session_date` AS DATE) AS `period`,
    COUNT(*) AS `value`
  FROM `sessions`
  WHERE
    `session_date` >= :window_start
    AND `session_date` < :window_end
    AND `device` = :f_device
  GROUP BY
    1,
    2
), `keys` AS (
  SELECT
    `region`,
    `period`
  FROM `c_revenue`
  UNION
  SELECT
    `region`,
    `period`
  FROM `c_sessions`
)
SELECT
  `keys`.`region` AS `region`,
  `keys`.`period` AS `period`,
  COALESCE(`c_revenue`.`value`, 0) AS `revenue`,
  COALESCE(`c_sessions`.`value`, 0) AS `sessions`,
  CAST(COALESCE(`c_revenue`.`value`, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(`c_sessions`.`value`, 0) AS DOUBLE), 0) AS `value`
FROM `keys`
LEFT JOIN `c_revenue`
  ON `keys`.`region` IS NOT DISTINCT FROM `c_revenue`.`region`
  AND `keys`.`period` IS NOT DISTINCT FROM `c_revenue`.`period`
LEFT JOIN `c_sessions`
  ON `keys`.`region` IS NOT DISTINCT FROM `c_sessions`.`region`
  AND `keys`.`period` IS NOT DISTINCT FROM `c_sessions`.`period`
ORDER BY
  1 NULLS LAST,
  2 NULLS LAST
