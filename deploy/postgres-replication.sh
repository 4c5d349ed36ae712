#!/bin/sh
# Run by the postgres image once, when it creates the database: replication
# connections (a streaming replica's, pg_basebackup's) from the compose network, by
# the same password as every other connection. A database made before this file
# was added needs the same line once by hand (docs/operations.md, "Read replicas").
set -eu
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
