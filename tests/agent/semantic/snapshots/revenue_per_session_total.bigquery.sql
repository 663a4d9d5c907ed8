WITH `c_revenue` AS (
  SELECT
    COALESCE(SUM(revenue), 0) AS `value`
  FROM `orders`
  WHERE
    `order_date` >= :window_start AND `order_date` < :window_end
), `c_sessions` AS (
  SELECT
    COUNT(*) AS `value`
  FROM `sessions`
  WHERE
    `session_date` >= :window_start AND `session_date` < :window_end
)
SELECT
  COALESCE(`c_revenue`.`value`, 0) AS `revenue`,
  COALESCE(`c_sessions`.`value`, 0) AS `sessions`,
  CAST(COALESCE(`c_revenue`.`value`, 0) AS FLOAT64) / NULLIF(CAST(COALESCE(`c_sessions`.`value`, 0) AS FLOAT64), 0) AS `value`
FROM `c_revenue`
CROSS JOIN `c_sessions`
