"""Sales: orders and order lines, with discounts, coupons, channels and resellers."""
