-- A correction names the measurement it corrects by (id, child): the same child, and so the same
-- authority, since every record of a child shares the child's authority (their own foreign keys).
-- Keyed by (id, authority) before, this foreign key changed key with every measurement a transfer
-- moved, and PostgreSQL checked each one at the move's end: one lookup per measurement, whose
-- plan a session keeps, and which a session that first planned it on near-empty tables made a
-- scan of the sending authority's measurements (bench/transfers.sh measured 0.9 ms a measurement).
-- A transfer changes neither the id nor the child: the move checks nothing for this key.
ALTER TABLE outcome_measurements
    ADD CONSTRAINT outcome_measurements_id_child_unique UNIQUE (id, child_id);
ALTER TABLE outcome_measurements DROP CONSTRAINT outcome_measurements_supersedes_fk;
ALTER TABLE outcome_measurements ADD CONSTRAINT outcome_measurements_supersedes_fk
    FOREIGN KEY (supersedes, child_id) REFERENCES outcome_measurements (id, child_id)
    DEFERRABLE INITIALLY IMMEDIATE;
