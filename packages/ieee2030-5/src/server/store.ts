/**
 * The resource tree of the IEEE 2030.5 test server (IEEE 2030.5-2018 §5.5 REST resources): plain
 * resources, list resources holding the hrefs of their entries (sep.xsd `List` types), empty PUT
 * targets the client fills (DERCapability, DERSettings, DERStatus, DERAvailability,
 * ConnectionPoint) and the owner LFDI of each subtree (§6.11 access control by LFDI).
 */

import { ErrorCode, MeterkitError } from '@meterkit/core';
import type { SepDocument } from '../http/document.js';
import { complexType } from '../model/lookup.js';

/** A resource with its representation. */
export interface StoredResource {
  readonly kind: 'resource';
  readonly href: string;
  type: string;
  resource: Record<string, unknown>;
  /** Accepts PUT of its own type. */
  readonly puttable: boolean;
  /** Accepts DELETE. */
  readonly deletable: boolean;
  /** Accepts POST of these types (e.g. MirrorMeterReading on a MirrorUsagePoint). */
  readonly postTypes?: readonly string[];
}

/** A PUT target with no representation yet (GET answers 404 until the client PUTs one). */
export interface StoredSlot {
  readonly kind: 'slot';
  readonly href: string;
  /** The resource type a PUT must carry. */
  readonly type: string;
}

/** A list resource: its entries are other stored resources, referenced by href. */
export interface StoredList {
  readonly kind: 'list';
  readonly href: string;
  /** The list type (e.g. `DERControlList`). */
  readonly type: string;
  /** The entry element (e.g. `DERControl`). */
  readonly itemField: string;
  /** Entry hrefs in list order. */
  items: string[];
  /** `pollRate` attribute, for lists that carry one. */
  pollRate?: number;
  /** `subscribable` attribute (SubscribableType: 0 none, 1 non-conditional, 2 conditional, 3 both). */
  readonly subscribable?: number;
  /** Types accepted by POST (creating an entry), if any. */
  readonly postTypes?: readonly string[];
}

/** Any node of the tree. */
export type StoredNode = StoredResource | StoredSlot | StoredList;

/** The entry element of a sep.xsd list type (its unbounded complex child), e.g. `DERControl` for `DERControlList`. */
export function listItemField(listType: string): string | undefined {
  const meta = complexType(listType);
  return meta?.fields.find((f) => f.kind === 'element' && f.maxOccurs > 1 && f.value === 'complex')?.name;
}

/** The resource tree: nodes by href, owners by subtree. */
export class ResourceStore {
  private readonly nodes = new Map<string, StoredNode>();
  private readonly owners = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The node at `href` (path without query), if any. */
  get(href: string): StoredNode | undefined {
    return this.nodes.get(href);
  }

  /** Every href, in insertion order. */
  hrefs(): IterableIterator<string> {
    return this.nodes.keys();
  }

  /** Stores a resource (replacing any node at its href). */
  putResource(
    href: string,
    doc: SepDocument,
    options: { puttable?: boolean; deletable?: boolean; postTypes?: readonly string[] } = {},
  ): StoredResource {
    const node: StoredResource = {
      kind: 'resource',
      href,
      type: doc.type,
      resource: { ...doc.resource, href },
      puttable: options.puttable ?? false,
      deletable: options.deletable ?? false,
      ...(options.postTypes === undefined ? {} : { postTypes: options.postTypes }),
    };
    this.nodes.set(href, node);
    return node;
  }

  /** Declares an empty PUT target of `type`. */
  putSlot(href: string, type: string): StoredSlot {
    const node: StoredSlot = { kind: 'slot', href, type };
    this.nodes.set(href, node);
    return node;
  }

  /** Declares a list resource of sep.xsd list type `type`. */
  putList(
    href: string,
    type: string,
    options: {
      items?: readonly string[];
      pollRate?: number;
      subscribable?: number;
      postTypes?: readonly string[];
    } = {},
  ): StoredList {
    const itemField = listItemField(type);
    if (itemField === undefined)
      throw new MeterkitError(ErrorCode.InvalidArgument, `${type} is not a list type`);
    const node: StoredList = {
      kind: 'list',
      href,
      type,
      itemField,
      items: [...(options.items ?? [])],
      ...(options.pollRate === undefined ? {} : { pollRate: options.pollRate }),
      ...(options.subscribable === undefined ? {} : { subscribable: options.subscribable }),
      ...(options.postTypes === undefined ? {} : { postTypes: options.postTypes }),
    };
    this.nodes.set(href, node);
    return node;
  }

  /** Removes a node, its subtree and its entry in any list. Returns whether it existed. */
  delete(href: string): boolean {
    if (!this.nodes.has(href)) return false;
    const prefix = `${href}/`;
    for (const h of [...this.nodes.keys()]) {
      if (h === href || h.startsWith(prefix)) {
        this.nodes.delete(h);
        this.owners.delete(h);
      }
    }
    for (const n of this.nodes.values()) {
      if (n.kind === 'list') n.items = n.items.filter((i) => i !== href && !i.startsWith(prefix));
    }
    return true;
  }

  /** Sets the owner LFDI of `href` and everything below it. */
  setOwner(href: string, lfdi: string): void {
    this.owners.set(href, lfdi);
  }

  /** The owner LFDI of `href`: the nearest owned ancestor path (itself included), if any. */
  ownerOf(href: string): string | undefined {
    let h = href;
    for (;;) {
      const o = this.owners.get(h);
      if (o !== undefined) return o;
      const slash = h.lastIndexOf('/');
      if (slash <= 0) return undefined;
      h = h.slice(0, slash);
    }
  }

  /** The next free numeric child href of `base` (`/edev` → `/edev/1`, `/edev/2`, ...). */
  nextChild(base: string): string {
    let n = this.counters.get(base) ?? 0;
    let href: string;
    do {
      n++;
      href = `${base}/${n}`;
    } while (this.nodes.has(href));
    this.counters.set(base, n);
    return href;
  }

  /** The lists whose entries include `href`. */
  listsContaining(href: string): StoredList[] {
    const out: StoredList[] = [];
    for (const n of this.nodes.values()) if (n.kind === 'list' && n.items.includes(href)) out.push(n);
    return out;
  }
}
