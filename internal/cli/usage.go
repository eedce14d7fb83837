package cli

// ListerUsage is `lister -h`. Its groups follow DistCp's usage text.
const ListerUsage = `usage: lister [options] SRC... DST
       lister [options] --src SRC [--src SRC2 ...] --dst DST
       lister status|wait|watch|cancel --nats URL [JOB]   (a job on a server; -h for each)
       lister resume --nats URL JOB                        (continue the listing of a job whose lister died)
       lister config [--json] [options] [SRC... DST]      (what the configuration and plan resolve to)
       lister ls [-R] [-h] URI...                          (list paths as hadoop fs -ls does)
       lister verify [options] SRC... DST                  (prove a copy without copying; -h for its options)

Copies file trees like Hadoop DistCp, through NATS JetStream. Without --nats
it runs everything in this process (an embedded JetStream server, a
committer and -m copier workers) and prints a report when done.
Sources and target are local paths, file:// URIs, hdfs://namenode:port/path
(or hdfs://nameservice/path, hdfs:///path via fs.defaultFS) or
cosn://bucket-appid/path. DistCp command lines work as written: options take
one or two dashes, -p letters are glued (-pugpt), options come before SRC DST.

What to copy
  -f LIST               read source paths from LIST, one per line
  -filters FILE         skip source paths matching any regular expression in FILE
                        (one per line, matched against the whole path; each path
                        on its own: '.*/tmp' skips the directory tmp, not what is
                        in it, '.*/tmp/.*' its contents)
  SRC may be a glob: '/data/2026-*/part-?'
  --copy-from-manifest FILE
                        copy only the entries FILE names, not the sources' trees:
                        JSON lines with "src" and "dst" (lister verify's
                        --differences; extras are left alone) or one source path
                        per line, landing below the SRC that holds it

How to decide, per file
  -update               copy only files whose size or checksum differ
  -overwrite            copy every file, replacing the target
  -diff S1 S2           with -update, from an HDFS directory with snapshots S1 and
                        S2 (S2 may be . for now): apply the renames and deletes
                        between them to the target, then copy what was created or
                        modified, from SRC/.snapshot/S2; the target's state at S1
                        is proven by its snapshot S1 or its job manifests
  -rdiff S2 S1          with -update, roll an HDFS target that has snapshots S2
                        and S1 (and no change since S2) back to SRC's snapshot S1
  (neither)             copy what is missing; an existing file target is
                        overwritten (as DistCp); sources sharing a path refuse
  -append               with -update, a shorter target holding the source's first
                        bytes gets only the rest appended (local and HDFS targets;
                        COS objects are copied whole); the whole file is verified
  -xtrack DIR           with -update, write DIR/target_missing.txt: the target's
                        entries missing at the sources (with -delete: those removed)
  -updateRoot           with -update/-overwrite, give the target root the source
                        root's -p attributes too
  -skipcrccheck         with -update, compare sizes only; without it, check each
                        copy by its length only (as DistCp 3.4)
  --trust-mtime         with -update, skip a file jetcp copied whose source still has
                        the size and mtime it had then, reading neither side (as
                        rsync and rclone do); without it a local source's ctime must
                        match too, else the checksums are compared
  --manifest DIR        keep the job manifests in DIR (a URI) instead of DST/.jetcp
  --no-manifest         write no job manifest (then -update checks file by file)
  -delete               with -update/-overwrite, delete target files absent from the sources
                        (never what -filters exclude)
  -p[rbugpct]           preserve replication, block size, user, group, permission,
                        checksum type, times (bare -p = -prbugpct)

How to write
  -atomic [-tmp DIR]    build the copy in a work directory, rename it to DST at the end
  -direct               write straight to the final path (no temp file + rename)
  -m N                  simultaneous copies (default 20; 0 = 1, as DistCp)
  -bandwidth MB         limit each copy to MB MiB/s
  -copybuffersize N     copy buffer in bytes (default 1MiB; 8KiB, 4MiB also accepted;
                        0 = the default, as DistCp)
  -strategy S           dynamic or uniformsize: accepted; jetcp always balances
                        dynamically (copiers pull work as they free up; -v says so)
  --chunk-size N        split files larger than N into chunks copied in parallel and
                        assembled at the target (default 256MiB; 0 = whole files;
                        HDFS targets always take whole files)
  -blocksperchunk N     chunks of N source blocks instead (DistCp's; 0 = whole files)
  --bundle-files N      copy small files (under bundle-bytes/8) N to a work item
                        (default 32; 1 = one file per item)
  --bundle-bytes N      most bytes per bundle (default 8MiB)
  -numListstatusThreads N
                        directories listed at once (default 4; 0 = the default;
                        at most 40, as DistCp caps it)
  -useiterator          accepted: jetcp always streams its listing (-v says so)
  --attempts N          tries per file before it fails (default 3)
  --retry-backoff D     first retry delay, doubled each time (default 500ms)

Outcome
  -i                    ignore failures: the job succeeds, failures are reported
  -log DIR              write one JSON line per file and directory (COPY/SKIP/
                        FAIL, size, duration, checksum) to DIR/jetcp-JOB.jsonl;
                        DIR is a local path, hdfs://... or cosn://...
  --report-json FILE    write the report as JSON (keys in the README)
  --dry-run             show where each source lands, report what would be copied,
                        skipped and deleted; change nothing
  --verify              once the copy has committed, prove the target as lister
                        verify does (no COS download): the report adds entries per
                        category and proof; exit 1 if any is not the same
  -v                    log every file
  --no-progress         no live progress line (on a terminal) or progress log lines
  --progress-interval D how often progress is logged without a terminal (default 5s)

Configuration
  HADOOP_CONF_DIR       core-site.xml and hdfs-site.xml: fs.defaultFS, nameservices
                        (HA), Kerberos, fs.cosn.* keys
  -D key=value          override a Hadoop property (embedded mode); mapreduce.*,
                        yarn.* and distcp.* properties have no effect, and say so
  -fs URI               fs.defaultFS
  COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, COS_ENDPOINT
                        COS credentials and endpoint (else fs.cosn.userinfo.* in core-site.xml)
  HADOOP_USER_NAME      the HDFS user (else the OS user)
  --print-config        show what the command line resolves to (secrets masked); copy nothing

Where
  --nats URL[,URL...]   use a running JetStream server (cluster) and its copiers and committer
  -async                with --nats: print the job id once the work is enqueued and return
  --http ADDR           serve the job page (and /healthz, /metrics) on ADDR while the job
                        runs, e.g. 127.0.0.1:8080
  --nats-user U         NATS user; the password from $JETCP_NATS_PASSWORD (or --nats-password)
  --nats-token T        NATS token (or $JETCP_NATS_TOKEN)
  --nats-creds FILE     NATS credentials file; --nats-nkey SEEDFILE for an NKey
  --nats-ca FILE        CA of the server's TLS certificate (tls:// URL);
                        --nats-cert/--nats-key FILE for mutual TLS
  --replicas N          stream replication (default 3 on a cluster of 3 or more, else 1)

Not supported, refused with the reason: -sizelimit, -filelimit (DistCp
deprecated them), -mapredSslConf, -conf, -libjars, -files, -archives, -jt,
-tokenCacheFile.

While a job runs, a terminal shows a live line (files and bytes done of the
total, rate, ETA, failures); Ctrl-C stops the job cleanly (no temp files
left), prints the partial report and exits 130: run the same command with
-update to finish it. A second Ctrl-C quits at once.

Exit status: 0 succeeded, 1 files failed (without -i), 2 bad input (nothing
copied), 130 interrupted. status, wait, watch and cancel exit as for the
job (0 succeeded or running, 1 failed or canceled), and 3 when they could
not reach JetStream within --jetstream-wait (default 30s: a server
starting, a cluster electing its leader): the job's state is unknown.
resume exits as wait does, and 2 when the job cannot be resumed (ended,
listed in full, no checkpoint, or its lister still alive).

Examples
  HDFS to COS (the migration):
    export COS_SECRET_ID=... COS_SECRET_KEY=... COS_REGION=ap-guangzhou
    lister -update -pugpt -m 20 hdfs://namenode:9000/warehouse cosn://bucket-1250000000/warehouse
  COS back to HDFS, deleting what the source no longer has:
    lister -update -delete -pugpt -m 20 -bandwidth 50 cosn://bucket-1250000000/warehouse hdfs://namenode:9000/warehouse
  Local trees:
    lister /data/logs /backup/logs
  On running services (a cluster), detached, then followed:
    lister --nats nats://nats:4222 -async -update hdfs://nn:9000/warehouse cosn://bucket-1250000000/warehouse
    lister watch --nats nats://nats:4222 20261121-101500-ab12cd34
`
