package cli

// ListerUsage is `lister -h`.
const ListerUsage = `usage: lister [options] SRC... DST
       lister [options] --src SRC [--src SRC2 ...] --dst DST
       lister status|wait|watch|cancel --nats URL [JOB]   (a job on a server; -h for each)

Copies file trees like Hadoop DistCp, through NATS JetStream. Without --nats
it runs everything in this process (an embedded JetStream server, a
committer and -m copier workers) and prints a report when done.
Sources and target are local paths, file:// URIs, hdfs://namenode:port/path
(or hdfs://nameservice/path, hdfs:///path via fs.defaultFS) or cosn://bucket-appid/path
(COS credentials from COS_SECRET_ID, COS_SECRET_KEY, COS_REGION or core-site.xml). Options take one or two dashes.

What to copy
  -f LIST               read source paths from LIST, one per line
  -filters FILE         skip source paths matching any regular expression in FILE
                        (one per line, matched against the whole path)
  SRC may be a glob: '/data/2026-*/part-?'

How to decide, per file
  -update               copy only files whose size or checksum differ
  -overwrite            copy every file, replacing the target
  -skipcrccheck         with -update, compare sizes only
  -delete               with -update/-overwrite, delete target files absent from the sources
  -p[rbugpct]           preserve replication, block size, user, group, permission,
                        checksum type, times (bare -p = -prbugpct)

How to write
  -atomic [-tmp DIR]    build the copy in a work directory, rename it to DST at the end
  -direct               write straight to the final path (no temp file + rename)
  -m N                  simultaneous copies (default 20)
  -bandwidth MB         limit each copy to MB MiB/s
  -copybuffersize N     copy buffer in bytes (default 1MiB; 8KiB, 4MiB also accepted)
  --attempts N          tries per file before it fails (default 3)
  --retry-backoff D     first retry delay, doubled each time (default 500ms)

Outcome
  -i                    ignore failures: the job succeeds, failures are reported
  -log DIR              write one JSON line per file (COPY/SKIP/FAIL) to DIR
  --report-json FILE    write the report as JSON
  --dry-run             report what would be copied, skipped and deleted; change nothing
  -v                    log every file

Where
  --nats URL[,URL...]   use a running JetStream server (cluster) and its copiers and committer
  -async                with --nats: print the job id once the work is enqueued and return
  --nats-user U         NATS user; the password from $JETCP_NATS_PASSWORD (or --nats-password)
  --nats-token T        NATS token (or $JETCP_NATS_TOKEN)
  --nats-creds FILE     NATS credentials file; --nats-nkey SEEDFILE for an NKey
  --nats-ca FILE        CA of the server's TLS certificate (tls:// URL);
                        --nats-cert/--nats-key FILE for mutual TLS
  --replicas N          stream replication (default 3 on a cluster of 3 or more, else 1)

Exit status: 0 succeeded, 1 files failed (without -i), 2 bad input, nothing copied.

Examples
  lister /data/logs /backup/logs
  lister -update -delete -pugpt -m 8 /data/warehouse /mnt/replica/warehouse
  lister --nats nats://nats:4222 -async -update hdfs://nn:9000/warehouse cosn://bucket-1250000000/warehouse
  lister watch --nats nats://nats:4222 20261121-101500-ab12cd34
`
