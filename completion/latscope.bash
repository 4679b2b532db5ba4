# bash completion for latscope(1). Commands and their options are read
# from `latscope help`, so commands added later complete without changes
# here; classes come from `latscope help hist`, keys from the running
# daemon (`latscope --json keys CLASS`).

_latscope_commands() {
	"$1" help 2>/dev/null | sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z_-]*\) .*/\1/p}'
}

_latscope_options() { # latscope CMD: the --options its usage lists
	"$1" help "$2" 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_latscope_classes() {
	"$1" help hist 2>/dev/null | tr '\n' ' ' |
		sed -n 's/.*CLASS is \([^.]*\)\..*/\1/p' | sed 's/,/ /g; s/ or / /g'
}

_latscope() {
	local cur prev words cword latscope cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	latscope=${COMP_WORDS[0]}
	COMPREPLY=()

	# global options that take a value
	case $prev in
	--socket)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--timeout|--count)
		return ;;
	--cpu)
		COMPREPLY=($(compgen -W "$(seq 0 $(($(getconf _NPROCESSORS_CONF) - 1)))" -- "$cur"))
		return ;;
	esac

	# the command is the first word that is not an option or an option's value
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket|--timeout) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--socket --json --timeout --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_latscope_commands "$latscope")" -- "$cur"))
		fi
		return
	fi

	if [ "$prev" = --key ]; then
		local class= j
		for ((j = i + 1; j < COMP_CWORD; j++)); do
			[[ ${COMP_WORDS[j]} != -* && ${COMP_WORDS[j-1]} != --* ]] && { class=${COMP_WORDS[j]}; break; }
		done
		[ -n "$class" ] && COMPREPLY=($(compgen -W "$("$latscope" --json keys "$class" 2>/dev/null |
			sed -n 's/.*"name": *"\([^"]*\)".*/\1/p')" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$({ _latscope_options "$latscope" "$cmd"
			printf '%s\n' --socket --json --timeout --help; } | sort -u)" -- "$cur"))
		return
	fi
	case $cmd in
	hist|keys)
		# one CLASS positional
		local n=0 j
		for ((j = i + 1; j < COMP_CWORD; j++)); do
			[[ ${COMP_WORDS[j]} != -* && ${COMP_WORDS[j-1]} != --cpu && ${COMP_WORDS[j-1]} != --key ]] && ((n++))
		done
		[ $n -eq 0 ] && COMPREPLY=($(compgen -W "$(_latscope_classes "$latscope")" -- "$cur"))
		;;
	help)
		COMPREPLY=($(compgen -W "$(_latscope_commands "$latscope")" -- "$cur")) ;;
	esac
}
complete -F _latscope latscope
