// Checks of single values the config and its tests share.

/** A 5-field cron expression with the usual ranges; croner in the backup job does the rest. */
export function isCron(expr: string): boolean {
    const fields = expr.trim().split(/\s+/);
    if (fields.length !== 5) return false;
    const ranges: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
    return fields.every((field, i) => field.split(",").every((part) => {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return false;
        const [lo, hi] = ranges[i];
        const nums = [m[2], m[3], m[4]].filter((x) => x !== undefined).map(Number);
        if (m[4] !== undefined && Number(m[4]) < 1) return false;
        const bounded = [m[2], m[3]].filter((x) => x !== undefined).map(Number);
        return nums.every(Number.isInteger) && bounded.every((n) => n >= lo && n <= hi) &&
            (m[3] === undefined || Number(m[2]) <= Number(m[3]));
    }));
}

export function isTimezone(tz: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

// One rule for the whole project (the job refuses any other name): automation/backup/contract.
export { environmentFromStack, isStackName, STACK_NAME_RULE } from "../../automation/backup/contract";
