import { IsUrl, ValidateBy, ValidationArguments } from 'class-validator';

export const ATTRIBUTE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
export const ATTRIBUTE_VALUE_MAX_LENGTH = 256;

export function IsHttpUrl(): PropertyDecorator {
  return IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: '$property must be an http(s) URL' },
  );
}

/** A flat string→string map whose keys and values fit Genesys custom attributes. */
export function IsAttributeMap(): PropertyDecorator {
  const problem = (value: unknown): string | undefined => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of strings';
    for (const [key, item] of Object.entries(value)) {
      if (!ATTRIBUTE_KEY.test(key)) return `key "${key.slice(0, 70)}" must be 1-64 letters, digits, "_", "." or "-"`;
      if (typeof item !== 'string') return `value of "${key}" must be a string`;
      if (item.length > ATTRIBUTE_VALUE_MAX_LENGTH) return `value of "${key}" must be at most ${ATTRIBUTE_VALUE_MAX_LENGTH} characters`;
    }
    return undefined;
  };
  return ValidateBy({
    name: 'isAttributeMap',
    validator: {
      validate: (value: unknown) => problem(value) === undefined,
      defaultMessage: (args?: ValidationArguments) => `$property ${problem(args?.value)}`,
    },
  });
}

/** On `bot`: exactly one way to reach the bot must be configured. */
export function HasExactlyOneBotTarget(): PropertyDecorator {
  return ValidateBy({
    name: 'hasExactlyOneBotTarget',
    validator: {
      validate: (bot: { callbackUrl?: unknown; cognigy?: unknown } | undefined) =>
        typeof bot === 'object' && bot !== null && (bot.callbackUrl != null) !== (bot.cognigy != null),
      defaultMessage: () => '$property must have exactly one of callbackUrl (with callbackSecret) or cognigy.notifyUrl',
    },
  });
}

/** On a field of an object: it must not be given together with `other` (two ways to say the same thing). */
export function IsAbsentWith(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'isAbsentWith',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => value == null || (args?.object as Record<string, unknown>)[other] == null,
      defaultMessage: () => `$property and ${other} cannot both be given`,
    },
  });
}
