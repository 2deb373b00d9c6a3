ALTER TABLE outcome_measurements DROP CONSTRAINT outcome_measurements_supersedes_fk;
ALTER TABLE outcome_measurements ADD CONSTRAINT outcome_measurements_supersedes_fk
    FOREIGN KEY (supersedes, local_authority) REFERENCES outcome_measurements (id, local_authority)
    DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE outcome_measurements DROP CONSTRAINT outcome_measurements_id_child_unique;
