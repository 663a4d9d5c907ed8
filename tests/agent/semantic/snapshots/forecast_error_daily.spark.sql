SELECT
  CAST(`forecast_date` AS DATE) AS `period`,
  COALESCE(SUM(ABS(forecast_units - actual_units)), 0) AS `numerator`,
  COALESCE(SUM(actual_units), 0) AS `denominator`,
  CAST(COALESCE(SUM(ABS(forecast_units - actual_units)), 0) AS DOUBLE) / NULLIF(COALESCE(SUM(actual_units), 0), 0) AS `value`
FROM `inventory_forecasts`
WHERE
  `forecast_date` >= :window_start AND `forecast_date` < :window_end
GROUP BY
  1
ORDER BY
  1 NULLS LAST
