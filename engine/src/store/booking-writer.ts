import type { Queryable } from './db.ts';
import { writeBookings, type BookingWrite, type TakeRefusal } from './booking-store.ts';

interface Pending {
  item: BookingWrite;
  resolve: (r: TakeRefusal | null) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for bookings. A booking is written at once when a write slot is free; bookings that arrive while the
 * writes are under way wait and go together in the next statement — one round trip and one commit for all of them,
 * each still all-or-nothing on its own (`writeBookings`). Bookings sharing a slot or a prescription line never go in
 * one statement. If a combined statement fails (e.g. a deadlock with another engine's batch), its bookings are
 * retried one by one, so one booking's failure is never another's.
 */
export class BookingWriter {
  private queue: Pending[] = [];
  private running = 0;

  constructor(
    private readonly db: Queryable,
    private readonly opts: { maxBatch: number; maxInFlight: number; onTaken?: (t: { slotId: string; booked: number; xid: string }) => void } = { maxBatch: 64, maxInFlight: 2 },
  ) {}

  write(item: BookingWrite): Promise<TakeRefusal | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.opts.maxInFlight && this.queue.length) {
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      const slots = new Set<string>();
      const lines = new Set<string>();
      for (const p of this.queue) {
        const { slot_id: slot, prescription_line_id: line } = p.item.appointment;
        if (batch.length < this.opts.maxBatch && !slots.has(slot) && !(line && lines.has(line))) {
          batch.push(p);
          slots.add(slot);
          if (line) lines.add(line);
        } else rest.push(p);
      }
      this.queue = rest;
      this.running++;
      void this.flush(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]) {
    try {
      const out = await writeBookings(this.db, batch.map((p) => p.item), this.opts.onTaken);
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (e) {
      if (batch.length === 1) return batch[0]!.reject(e);
      for (const p of batch) {
        try {
          p.resolve((await writeBookings(this.db, [p.item], this.opts.onTaken))[0]!);
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }
}
