/**
 * Listing a Box folder's items.
 * @packageDocumentation
 */
import type { BoxClient } from 'box-node-sdk';
import type { Item } from 'box-node-sdk/schemas';

/** Items per page (Box's largest). */
const PAGE = 1000;

/**
 * Every item directly in folder `folderId`, with `fields`, page by page. Uses Box's marker paging: offset paging
 * is refused beyond a maximum offset, so a large project folder would end in an error, and it can skip items when
 * the folder changes while it is listed. Rejects with the SDK's error for a failed page, or with the signal's
 * reason once aborted.
 * @public
 */
export async function* folderItems(client: BoxClient, folderId: string, fields: readonly string[], signal?: AbortSignal): AsyncGenerator<Item> {
  let marker: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const page = await client.folders.getFolderItems(folderId, {
      queryParams: { fields: [...fields], usemarker: true, limit: PAGE, ...(marker ? { marker } : {}) },
    });
    yield* page.entries ?? [];
    if (!page.nextMarker) return;
    marker = page.nextMarker;
  }
}
