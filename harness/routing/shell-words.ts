/**
 * Splits a hook's shell command into simple commands (at `;`, `&&`, `||`, `|`, `&` and newlines) of words,
 * keeping quoted text and `$(…)` / backquoted substitutions as one word each, quotes removed.
 */
export function shellCommands(command: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let index = 0; index < command.length; index++) {
    const char = command[index]!;
    if (char === "'" || char === '"') {
      const close = command.indexOf(char, index + 1);
      const end = close < 0 ? command.length : close;
      word += command.slice(index + 1, end);
      inWord = true;
      index = end;
    } else if (char === '$' && command[index + 1] === '(') {
      let depth = 0;
      let end = index + 1;
      for (; end < command.length; end++) {
        if (command[end] === '(') depth++;
        if (command[end] === ')' && --depth === 0) break;
      }
      word += command.slice(index, end + 1);
      inWord = true;
      index = end;
    } else if (char === '`') {
      const close = command.indexOf('`', index + 1);
      const end = close < 0 ? command.length : close;
      word += command.slice(index, end + 1);
      inWord = true;
      index = end;
    } else if (char === '\\' && index + 1 < command.length) {
      word += command[++index];
      inWord = true;
    } else if (';&|\n'.includes(char)) {
      endCommand();
    } else if (/\s/.test(char)) {
      endWord();
    } else {
      word += char;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}
