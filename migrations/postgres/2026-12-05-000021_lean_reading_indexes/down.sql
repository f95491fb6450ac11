CREATE INDEX measurements_batch ON measurements (batch_id, characteristic_id);
