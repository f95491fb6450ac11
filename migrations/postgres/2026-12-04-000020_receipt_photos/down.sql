DROP TABLE receipt_photos;
