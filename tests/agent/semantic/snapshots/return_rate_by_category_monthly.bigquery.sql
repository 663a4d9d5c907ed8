WITH `c_units_returned` AS (
  SELECT
    `category` AS `category`,
    CAST(TIMESTAMP_TRUNC(`return_date`, MONTH) AS DATE) AS `period`,
    COALESCE(SUM(quantity), 0) AS `value`
  FROM `returns`
  WHERE
    `return_date` >= :window_start AND `return_date` < :window_end
  GROUP BY
    1,
    2
), `c_units_sold` AS (
  SELECT
    `category` AS `category`,
    CAST(TIMESTAMP_TRUNC(`order_date`, MONTH) AS DATE) AS `period`,
    COALESCE(SUM(quantity), 0) AS `value`
  FROM `order_items`
  WHERE
    `order_date` >= :window_start AND `order_date` < :window_end
  GROUP BY
    1,
    2
), `keys` AS (
  SELECT
    `category`,
    `period`
  FROM `c_units_returned`
  UNION DISTINCT
  SELECT
    `category`,
    `period`
  FROM `c_units_sold`
)
SELECT
  `keys`.`category` AS `category`,
  `keys`.`period` AS `period`,
  COALESCE(`c_units_returned`.`value`, 0) AS `units_returned`,
  COALESCE(`c_units_sold`.`value`, 0) AS `units_sold`,
  CAST(COALESCE(`c_units_returned`.`value`, 0) AS FLOAT64) / NULLIF(CAST(COALESCE(`c_units_sold`.`value`, 0) AS FLOAT64), 0) AS `value`
FROM `keys`
LEFT JOIN `c_units_returned`
  ON `keys`.`category` IS NOT DISTINCT FROM `c_units_returned`.`category`
  AND `keys`.`period` IS NOT DISTINCT FROM `c_units_returned`.`period`
LEFT JOIN `c_units_sold`
  ON `keys`.`category` IS NOT DISTINCT FROM `c_units_sold`.`category`
  AND `keys`.`period` IS NOT DISTINCT FROM `c_units_sold`.`period`
ORDER BY
  1 NULLS LAST,
  2 NULLS LAST
