// Lists a collection in pages (client-go's pager): a list of thousands of pods is never held as one response.
import { statusCodeOf } from "./api-errors.ts";

export interface PageQuery {
  limit?: number;
  _continue?: string;
}

export interface Page<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

/** client-go's default page size (`pager.defaultPageSize`). */
export const DEFAULT_PAGE_SIZE = 500;

/**
 * Fetches every page, trimming each page's items before the next is fetched, and returns the first page's
 * resourceVersion: a paged list is one consistent snapshot at it. A continue token that expired (410) falls
 * back to one unpaged list, as client-go's pager does.
 */
export async function listAllPages<T, U>(
  fetchPage: (query: PageQuery) => Promise<Page<T>>,
  trim: (item: T) => U,
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<{ items: U[]; resourceVersion: string }> {
  const items: U[] = [];
  let resourceVersion = "";
  let continueToken: string | undefined;
  do {
    let page: Page<T>;
    try {
      page = await fetchPage(
        continueToken === undefined ? { limit: pageSize } : { limit: pageSize, _continue: continueToken },
      );
    } catch (error) {
      if (continueToken === undefined || statusCodeOf(error) !== 410) throw error;
      const whole = await fetchPage({});
      return { items: whole.items.map(trim), resourceVersion: whole.metadata?.resourceVersion ?? "" };
    }
    if (continueToken === undefined) resourceVersion = page.metadata?.resourceVersion ?? "";
    for (const item of page.items) items.push(trim(item));
    continueToken = page.metadata?._continue || undefined;
  } while (continueToken !== undefined);
  return { items, resourceVersion };
}
