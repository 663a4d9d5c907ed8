SELECT
  `channel` AS `channel`,
  COUNT(DISTINCT customer_id) AS `value`
FROM `orders`
WHERE
  `order_date` >= :window_start AND `order_date` < :window_end
GROUP BY
  1
ORDER BY
  1 NULLS LAST
