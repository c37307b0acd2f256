// Names of watchlist people for alerts, kept in step with the gallery log: an enrolment or removal
// reaches the names as it reaches the gallery.
import type { PersonDirectory } from '@argus/pipeline';
import type { GalleryEvent } from '@argus/protocol';
import type { WatchlistRepository } from '@argus/store';

export class WatchlistDirectory implements PersonDirectory {
  private readonly names = new Map<string, string>();

  constructor(private readonly watchlist: WatchlistRepository) {}

  async load(): Promise<void> {
    for (const p of await this.watchlist.listPersons()) this.names.set(p.id, p.name);
  }

  nameOf(personId: string): string | undefined {
    return this.names.get(personId);
  }

  /** Follows a gallery log event; unknown people are looked up once. */
  async follow(event: GalleryEvent): Promise<void> {
    if (event.op === 'add' && !this.names.has(event.personId)) {
      const person = await this.watchlist.getPerson(event.personId);
      if (person) this.names.set(person.id, person.name);
    } else if (event.op === 'remove' && event.personId) {
      this.names.delete(event.personId);
    }
  }
}
