/**
 * The current association of a short-name association as an Association SN object (class 12,
 * IEC 62056-6-2 §4.4.3) at base name 0xFA00: logical_name and object_list (base_name, class_id,
 * version, logical_name of every object the client may see, filtered by its access rights) and
 * reply_to_HLS_authentication (method 8, short name 0xFA58) for HLS passes 3 and 4.
 */
import type { SelectiveAccessDescriptor } from '../apdu/common.js';
import type { DlmsData } from '../axdr/data.js';
import { type ShortNameObjectListElement, shortNameObjectListToData } from '../cosem/object-list.js';
import { ASSOCIATION_SN_BASE_NAME } from '../cosem/short-names.js';
import { parseObis } from '../obis/obis.js';
import { isVisible, type ObjectAccess } from './access-rights.js';
import { CURRENT_ASSOCIATION } from './association-object.js';
import type { AccessContext, ActionOutcome, GetOutcome, ServerObject } from './cosem-object.js';
import { refused } from './cosem-object.js';
import type { CosemObjectStore } from './object-store.js';

/** Class id of Association SN. IEC 62056-6-2 §4.4.3. */
export const ASSOCIATION_SN_CLASS_ID = 12;

/** Every client may read its own association's logical name and object list. */
const OWN_SN_ACCESS: ObjectAccess = {
  defaultAttribute: 'read-only',
  defaultMethod: 'access',
  attributes: new Map(),
  methods: new Map(),
};

/** The current Association SN of one session (IEC 62056-6-2 §4.4.3). */
export class CurrentAssociationSnObject implements ServerObject {
  readonly classId = ASSOCIATION_SN_CLASS_ID;
  readonly version = 2;
  readonly logicalName = CURRENT_ASSOCIATION;
  private readonly store: CosemObjectStore;
  private readonly access: (o: ServerObject) => ObjectAccess;

  /** `access` gives the client's rights to an object of the store. */
  constructor(store: CosemObjectStore, access: (o: ServerObject) => ObjectAccess) {
    this.store = store;
    this.access = access;
  }

  accessFor(_clientSap: number | '*'): ObjectAccess {
    return OWN_SN_ACCESS;
  }

  attributeIds(): readonly number[] {
    return [1, 2];
  }

  /** reply_to_HLS_authentication (method 8), answered by the session, which holds the challenges. */
  methodIds(): readonly number[] {
    return [8];
  }

  selectorsOf(_attributeId: number): readonly number[] | undefined {
    return undefined;
  }

  /** The object_list this client sees: itself at 0xFA00, then every visible object with a base name. */
  objectList(): ShortNameObjectListElement[] {
    const list: ShortNameObjectListElement[] = [
      {
        baseName: ASSOCIATION_SN_BASE_NAME,
        classId: this.classId,
        version: this.version,
        logicalName: this.logicalName,
      },
    ];
    for (const o of this.store.objects()) {
      const base = this.store.shortNames.baseNameOf(o);
      if (base === undefined || !isVisible(this.access(o))) continue;
      list.push({ baseName: base, classId: o.classId, version: o.version, logicalName: o.logicalName });
    }
    return list;
  }

  get(attributeId: number, _ctx: AccessContext, selection: SelectiveAccessDescriptor | null): GetOutcome {
    if (selection !== null) return refused('scope-of-access-violated');
    if (attributeId === 1) return { type: 'octet-string', value: parseObis(CURRENT_ASSOCIATION) };
    if (attributeId === 2) return shortNameObjectListToData(this.objectList());
    return refused('object-undefined');
  }

  set(_attributeId: number, _value: DlmsData, _ctx: AccessContext): string {
    return 'read-write-denied';
  }

  action(_methodId: number, _parameters: DlmsData | null, _ctx: AccessContext): ActionOutcome {
    return { result: 'read-write-denied' };
  }

  valueAt(_attributeId: number, _t: number): DlmsData | undefined {
    return undefined;
  }
}
