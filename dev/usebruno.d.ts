/** Bruno's parser and converter ship no usable types for these entry points. */
declare module "@usebruno/converters" {
	export function brunoToPostman(collection: unknown): unknown;
}
