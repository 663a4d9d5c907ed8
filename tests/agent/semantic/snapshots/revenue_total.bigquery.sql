SELECT
  COALESCE(SUM(revenue), 0) AS `value`
FROM `orders`
WHERE
  `order_date` >= :window_start AND `order_date` < :window_end
