/**
 * The simulator's Parquet encoder thread (lake-files.ts): receives one lake file's rows as an Arrow IPC stream (a
 * transferred buffer), encodes it with the pipelines' own Arrow → Parquet encoder and writes it durably (tmp name,
 * fsync, rename, fsync of the directory). Replies with the rows written, or the error.
 */
import { parentPort } from 'node:worker_threads';
import { tableFromIPC } from 'apache-arrow';
import { arrowToParquet } from '../../pipelines/src/sinks/parquet-writer.ts';
import { writeDurablySync } from '../../pipelines/src/sinks/lake-batch.ts';

export interface FileRequest {
  id: number;
  path: string;
  ipc: Uint8Array;
}

export type FileReply = { kind: 'written'; id: number; rows: number } | { kind: 'error'; id: number; message: string } | { kind: 'ready'; id: 0 };

const port = parentPort!;
port.on('message', (req: FileRequest) => {
  let reply: FileReply;
  try {
    const table = tableFromIPC(req.ipc);
    writeDurablySync(req.path, arrowToParquet([table]));
    reply = { kind: 'written', id: req.id, rows: table.numRows };
  } catch (e) {
    reply = { kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ kind: 'ready', id: 0 } satisfies FileReply);
